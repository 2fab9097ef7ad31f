"""The search page and its htmx fragment. One selector does the work (and the access log)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render

from tsunagu.core.http import AuthedRequest

from .selectors import search_customers


@login_required
def customer_search(request: AuthedRequest) -> HttpResponse:
    """GET /search/?q=… — the full page, or only the results table for htmx requests."""
    partial = bool(request.htmx) and not request.htmx.boosted
    template = "search/search.html#results" if partial else "search/search.html"
    q = request.GET.get("q")
    context: dict[str, object] = {"q": q or "", "results": None, "error": ""}
    if q is None or (partial and not q.strip()):
        # Nothing asked yet (or the box was cleared): no search, nothing logged.
        return render(request, template, context)
    try:
        context["results"] = search_customers(user=request.user, q=q, limit=50, screen="顧客検索")
    except ValidationError as error:
        context["error"] = " ".join(error.message_dict.get("q", error.messages))
        return render(request, template, context, status=400)
    return render(request, template, context)
