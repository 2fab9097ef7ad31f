from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from .selectors import document_open


@login_required
def document_download(request: HttpRequest, pk: int) -> HttpResponse:
    opened = document_open(user=request.user, pk=pk, screen="帳票の表示")  # type: ignore[arg-type]
    response = HttpResponse(opened.content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{opened.filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
