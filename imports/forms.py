"""Forms of the dossier-figures pages: plain, every one works without JavaScript."""

from django import forms
from django.utils.translation import gettext_lazy as _

from imports.figures import FileKind
from imports.tables import EXTENSIONS, extension_of


class UploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What the file holds"),
        choices=FileKind.choices,
        initial=FileKind.BIEU06,
        widget=forms.RadioSelect,
    )
    file = forms.FileField(
        label=_("File (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(EXTENSIONS)}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if extension_of(upload.name) not in EXTENSIONS:
            raise forms.ValidationError(
                _("“%(name)s” is not a table file. Accepted: %(types)s."),
                params={"name": upload.name, "types": ", ".join(EXTENSIONS)},
            )
        return upload

    def upload(self) -> tuple[str, str, bytes]:
        """(kind, file name, content) of a valid form."""
        upload = self.cleaned_data["file"]
        return self.cleaned_data["kind"], upload.name, upload.read()


class TokenForm(forms.Form):
    """A staged upload: its token (the file's sha256). Enough to cancel it."""

    token = forms.RegexField(regex=r"^[0-9a-f]{64}$", widget=forms.HiddenInput)


class StagedForm(TokenForm):
    """Confirm a staged upload: its token and what the file holds."""

    kind = forms.ChoiceField(choices=FileKind.choices, widget=forms.HiddenInput)


class SortForm(forms.Form):
    """The figures' order for small screens, where the column headers are hidden."""

    sort = forms.ChoiceField(label=_("Sort by"), required=False)

    def __init__(self, *args, columns, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("Unit order"))]
        for column in columns:
            choices.append((column.key, column.label))
            if column.kind != "text":
                choices.append(
                    (f"-{column.key}", _("%(column)s, highest first") % {"column": column.label})
                )
        self.fields["sort"].choices = choices
