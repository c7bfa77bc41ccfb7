"""The dashboard's filter (a GET form): which series, which dates. See registrations/dashboard_admin.py."""

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from events.models import Series
from registrations.report_queries import ReportFilters

# The default range: sessions of the last twelve months, and every upcoming one.
DEFAULT_DAYS_BACK = 365
# A range longer than this is refused: the page stays fast and readable.
MAX_RANGE_DAYS = 366 * 10


class DashboardFilterForm(forms.Form):
    series = forms.ModelChoiceField(
        label=_("Series"), queryset=Series.objects.order_by("created_at"), required=False, empty_label=_("All series")
    )
    date_from = forms.DateField(
        label=_("Sessions from"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Empty: from the first session."),
    )
    date_to = forms.DateField(
        label=_("Sessions until"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Empty: including every upcoming session."),
    )

    def __init__(self, data=None, *, today: dt.date, **kwargs):
        self.today = today
        if data is not None and not any(name in data for name in self.base_fields):
            data = None  # a first visit: show the defaults, not "nothing chosen"
        super().__init__(data, initial={"date_from": self.default_filters(today).date_from}, **kwargs)

    @staticmethod
    def default_filters(today: dt.date) -> ReportFilters:
        return ReportFilters(date_from=today - dt.timedelta(days=DEFAULT_DAYS_BACK))

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to:
            if date_to < date_from:
                raise ValidationError(_("The end date must not be before the start date."), code="order")
            if (date_to - date_from).days > MAX_RANGE_DAYS:
                raise ValidationError(_("Choose a range of at most ten years."), code="too_long")
        return cleaned

    def get_filters(self) -> ReportFilters:
        """The chosen filters; the defaults for a first visit or an invalid form."""
        if not self.is_bound or not self.is_valid():
            return self.default_filters(self.today)
        return ReportFilters(
            series=self.cleaned_data["series"],
            date_from=self.cleaned_data["date_from"],
            date_to=self.cleaned_data["date_to"],
        )
