"""The admin's import/export pages for the product's resources (django-import-export's
``ImportExportModelAdmin``), reading uploads exactly as ``manage.py import`` and our pages do.

The library's own readers would take any file the user calls CSV or XLSX; here an upload goes
through ``imports.tables.read_table`` first (size, real type, UTF-8, row limit, headers), its
refusal shown next to the file field in Vietnamese, and the format follows the file's name.
The confirmed import records its ``ImportBatch`` with the file's content and checksum.
"""

from django.core.exceptions import ValidationError
from import_export.admin import ImportExportModelAdmin
from import_export.formats import base_formats
from import_export.forms import ImportForm

from imports.tables import extension_of, read_table


class TableFormat:
    """A format that reads with ``read_table`` (bytes in, our checks, our cleaning)."""

    EXTENSION = ""

    def create_dataset(self, in_stream, **kwargs):
        content = in_stream if isinstance(in_stream, bytes) else in_stream.encode("utf-8")
        dataset = read_table(f"file{self.EXTENSION}", content)
        dataset.content = content  # for the import batch (``ContractAdmin.process_dataset``)
        return dataset

    def is_binary(self):
        return True

    def get_read_mode(self):
        return "rb"


class CSVTable(TableFormat, base_formats.CSV):
    EXTENSION = ".csv"


class XLSXTable(TableFormat, base_formats.XLSX):
    EXTENSION = ".xlsx"


class TableImportForm(ImportForm):
    """The library's import form; the file is checked and read when the form is, and its
    format is the one its name says."""

    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.formats = formats
        self.fields["format"].required = False

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("import_file")
        if upload is None:
            return cleaned
        content = b"".join(upload.chunks())
        try:
            read_table(upload.name, content)
        except ValidationError as exc:
            self.add_error("import_file", exc.messages)
            return cleaned
        extension = extension_of(upload.name)
        for index, table_format in enumerate(self.formats):
            if getattr(table_format, "EXTENSION", None) == extension:
                cleaned["format"] = str(index)
        return cleaned


class ContractAdmin(ImportExportModelAdmin):
    """Admin with import (preview, then confirm) and export of ``resource_classes``."""

    import_formats = [CSVTable, XLSXTable]
    export_formats = [base_formats.CSV, base_formats.XLSX]
    import_form_class = TableImportForm

    def process_dataset(self, dataset, form, request, **kwargs):
        content = getattr(dataset, "content", None)
        if content is not None:
            kwargs.setdefault("content", content)
        return super().process_dataset(dataset, form, request, **kwargs)
