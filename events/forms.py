"""Forms of the public site."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from events.timefmt import build_zone_choices, is_known_zone


def _region_label(region: str) -> str:
    # Translators: groups of the time zone list, named after the IANA database's regions.
    labels = {
        "Etc": pgettext("time zone region", "Universal"),
        "Europe": pgettext("time zone region", "Europe"),
        "Asia": pgettext("time zone region", "Asia"),
        "Africa": pgettext("time zone region", "Africa"),
        "America": pgettext("time zone region", "Americas"),
        "Atlantic": pgettext("time zone region", "Atlantic Ocean"),
        "Indian": pgettext("time zone region", "Indian Ocean"),
        "Pacific": pgettext("time zone region", "Pacific Ocean"),
        "Australia": pgettext("time zone region", "Australia"),
    }
    return labels.get(region, region)


class TimezonePickForm(forms.Form):
    """The viewer's own time zone; empty means "use my browser's zone"."""

    timezone = forms.CharField(label=_("Your time zone"), required=False, widget=forms.Select)
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, language_code: str, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("Automatic (from my browser)"))]
        choices += [
            (_region_label(region), zones) for region, zones in build_zone_choices(language_code, timezone.now())
        ]
        self.fields["timezone"].widget.choices = choices

    def clean_timezone(self) -> str:
        name = self.cleaned_data["timezone"]
        if name and not is_known_zone(name):
            raise forms.ValidationError(_("Choose a time zone from the list."), code="unknown_zone")
        return name
