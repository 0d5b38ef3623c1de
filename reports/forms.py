from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from reports.domain import EDITABLE, SECTIONS
from reports.models import Report


class ReportForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    # Stored as a share (0.300); people think of it as a percentage.
    online_threshold = forms.DecimalField(
        label=_("Low online intake below (%)"),
        min_value=0,
        max_value=100,
        decimal_places=1,
        help_text=_(
            "Units that received a smaller share of their dossiers online are named in the "
            "report as needing to improve online intake. 30 means 30 %."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            percent = self.instance.online_threshold * 100
            whole = percent == percent.to_integral_value()
            self.initial["online_threshold"] = percent.quantize(Decimal("1" if whole else "0.1"))

    def clean_online_threshold(self):
        return (self.cleaned_data["online_threshold"] / 100).quantize(Decimal("0.001"))

    def sections(self) -> list[forms.BoundField]:
        return [self[name] for name in SECTIONS]

    def header_errors(self) -> list[tuple[str, str]]:
        """(label, error) of the header and signature fields, shown together under them."""
        names = [name for name in EDITABLE if name not in SECTIONS]
        return [(self[name].label, error) for name in names for error in self[name].errors]

    class Meta:
        model = Report
        fields = EDITABLE
        widgets = {
            "issue_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            **{
                name: forms.Textarea(attrs={"rows": rows})
                for name, rows in [
                    ("subject", 2),
                    ("basis", 3),
                    ("aggregation", 4),
                    ("evaluation", 5),
                    ("specific", 6),
                    ("issues", 6),
                    ("closing", 3),
                    ("distribution", 6),
                ]
            },
        }


MAX_SIGNED_BYTES = 30 * 1024 * 1024


class SignedUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Signed PDF"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf"}),
        error_messages={"required": _("Choose the signed PDF file.")},
    )

    def clean_file(self) -> bytes:
        """The uploaded file's bytes."""
        upload = self.cleaned_data["file"]
        if upload.size > MAX_SIGNED_BYTES:
            raise forms.ValidationError(_("The file is too large for a signed report."))
        return upload.read()


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for withdrawing the approval"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": _("Write why the approval is withdrawn.")},
    )
