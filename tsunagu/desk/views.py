"""Operator screens. Views parse input, call one selector or service, and render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from tsunagu.core.choices import AccessPurpose
from tsunagu.customers.selectors import customer_get
from tsunagu.interactions.choices import Channel
from tsunagu.interactions.selectors import interaction_list_for_customer
from tsunagu.interactions.services import interaction_log

from .forms import InteractionForm
from .selectors import customer_360, home_summary


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "desk/home.html", home_summary(user=request.user, screen="ホーム"))


@login_required
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    channel = request.GET.get("channel", "")
    context = customer_360(user=request.user, pk=pk, channel=channel, screen="顧客詳細")
    context["form"] = InteractionForm()
    context["channels"] = Channel.choices
    context["channel"] = channel
    template = "desk/customer_detail.html#timeline" if request.htmx else "desk/customer_detail.html"
    return render(request, template, context)


@login_required
@require_POST
def interaction_create(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_get(user=request.user, pk=pk, purpose=AccessPurpose.VIEW, screen="コンタクト登録")
    form = InteractionForm(request.POST)
    if form.is_valid():
        try:
            interaction_log(actor=request.user, customer=customer, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            form = InteractionForm()
    context = {
        "customer": customer,
        "form": form,
        "interactions": interaction_list_for_customer(user=request.user, customer=customer),
        "channels": Channel.choices,
        "channel": "",
    }
    return render(request, "desk/customer_detail.html#interactions-panel", context)
