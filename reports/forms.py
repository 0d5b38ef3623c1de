from django import forms
from django.utils.translation import gettext_lazy as _

from reports.domain import EDITABLE
from reports.models import Report


class ReportForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

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


class SignedUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Signed PDF"), widget=forms.ClearableFileInput(attrs={"accept": ".pdf"})
    )
