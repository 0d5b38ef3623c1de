"""Uploads refused while they stream in, before anything is written whole to disk.

``LimitedUploadHandler`` comes first in ``FILE_UPLOAD_HANDLERS``: it refuses a request body
over ``REQUEST_MAX_BYTES`` before reading it, and stops reading the moment one file passes
``UPLOAD_MAX_BYTES`` (the part already received is dropped with the temporary file). Each
form still checks its own, smaller limit (evidence ``EVIDENCE_MAX_BYTES``, tables
``IMPORT_MAX_BYTES``) with a message next to its field. A stopped request holds only part of
its form, so ``UploadLimitMiddleware`` answers it with a page that says why (413) before any
view can act on the partial data: nothing is saved.
"""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _


class LimitedUploadHandler(FileUploadHandler):
    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length and content_length > settings.REQUEST_MAX_BYTES:
            self.request.upload_refused = (None, settings.REQUEST_MAX_BYTES)
            return QueryDict(encoding=encoding), MultiValueDict()  # nothing read
        return None

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.UPLOAD_MAX_BYTES:
            self.request.upload_refused = (self.file_name, settings.UPLOAD_MAX_BYTES)
            raise StopUpload(connection_reset=True)
        return raw_data  # the next handler stores it

    def file_complete(self, file_size):
        return None  # the next handler makes the file


class UploadLimitMiddleware:
    """Before CSRF and every view: a request whose upload was stopped is answered here."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view, args, kwargs):
        if request.method != "POST":
            return None
        request.POST  # noqa: B018  (parses the body: the upload handler looks at it now)
        refused = getattr(request, "upload_refused", None)
        if refused is None:
            return None
        name, limit = refused
        if name:
            message = _("The file “%(name)s” is larger than %(limit)s.") % {
                "name": name,
                "limit": filesizeformat(limit),
            }
        else:
            message = _("What was sent is larger than %(limit)s in all.") % {
                "limit": filesizeformat(limit)
            }
        return too_large(request, message)


def too_large(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "upload_too_large.html", {"message": message}, status=413)
