"""Forms of the scoring-sheet pages: plain, they work without JavaScript."""

from django import forms
from django.utils.translation import gettext_lazy as _

from imports.tables import EXTENSIONS


class SheetUploadForm(forms.Form):
    file = forms.FileField(
        label=_("The filled sheet (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(EXTENSIONS)}),
        error_messages={"required": _("Choose the filled sheet.")},
    )

    def upload(self) -> tuple[str, bytes]:
        """(file name, content) of a valid form."""
        upload = self.cleaned_data["file"]
        return upload.name, upload.read()


class StagedSheetForm(forms.Form):
    """Confirm or cancel the previewed sheet, kept on the server under its token."""

    token = forms.RegexField(regex=r"^[0-9a-f]{64}$", widget=forms.HiddenInput)

    @property
    def cancelled(self) -> bool:
        return self.data.get("action") == "cancel"
