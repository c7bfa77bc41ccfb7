"""Forms of the attendance and certificate workflow: the public code lookup and the organisers'
admin forms (report upload, manual attendance, revoking and re-issuing)."""


from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from events.timefmt import is_known_zone
from registrations.attendance.parsers import MAX_REPORT_BYTES
from registrations.attendance_models import REPORT_SOURCES
from registrations.certificate_models import normalise_code


class CertificateLookupForm(forms.Form):
    code = forms.CharField(
        label=_("Verification code"),
        max_length=64,
        help_text=_("The code printed on the certificate, e.g. 7K4M-Q2XP-…"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}),
    )

    def clean_code(self) -> str:
        code = normalise_code(self.cleaned_data["code"])
        if code is None:
            raise ValidationError(
                _("This is not a certificate code. Check it against the certificate: 28 letters and digits.")
            )
        return code

class AttendanceReportForm(forms.Form):
    source = forms.ChoiceField(label=_("Platform"), choices=[(s.value, s.label) for s in REPORT_SOURCES])
    report = forms.FileField(label=_("Attendance report"), help_text=_("The CSV file as the platform exports it."))
    report_zone = forms.CharField(
        label=_("Time zone of the report"),
        max_length=64,
        help_text=_(
            "Platforms write times without a zone: give the zone of the account that exported the "
            "report, e.g. Europe/Copenhagen. The session's zone is filled in."
        ),
    )

    def clean_report_zone(self) -> str:
        zone = self.cleaned_data["report_zone"].strip()
        if not is_known_zone(zone):
            raise ValidationError(_("“%(zone)s” is not a known time zone."), params={"zone": zone})
        return zone

    def clean_report(self):
        report = self.cleaned_data["report"]
        if report.size > MAX_REPORT_BYTES:
            raise ValidationError(_("The file is larger than 10 MB; an attendance report is much smaller."))
        return report

class ManualAttendanceForm(forms.Form):
    minutes = forms.IntegerField(label=_("Minutes attended"), min_value=0, max_value=24 * 60)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        help_text=_("Why the figure is set by hand, e.g. “joined by phone; confirmed by the moderator”."),
    )

class CertificateReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 3}))
