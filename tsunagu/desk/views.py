"""Operator screens. Views parse input, call one selector or service, and render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tsunagu.core.choices import AccessPurpose
from tsunagu.core.http import AuthedRequest
from tsunagu.customers.selectors import customer_get
from tsunagu.interactions.choices import Channel
from tsunagu.interactions.selectors import interaction_list_for_customer
from tsunagu.interactions.services import interaction_log

from .forms import InteractionForm
from .selectors import MERGED_NO_WRITES, TIMELINE_LIMIT, customer_360, customer_timeline, home_summary


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    return render(request, "desk/home.html", home_summary(user=request.user, screen="ホーム"))


def _channel(request: AuthedRequest) -> str:
    channel = request.GET.get("channel", "")
    return channel if channel in Channel.values else ""


@login_required
def customer_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """The customer 360 in one response; htmx channel-filter requests get only the timeline."""
    channel = _channel(request)
    if request.htmx and not request.htmx.boosted:
        context = customer_timeline(user=request.user, pk=pk, channel=channel, screen="顧客詳細(履歴絞り込み)")
        if context.get("merged"):
            return render(request, "desk/customer_merged.html#notice", context)
        context.update(channels=Channel.choices, channel=channel)
        return render(request, "desk/customer_detail.html#timeline", context)
    context = customer_360(user=request.user, pk=pk, channel=channel, screen="顧客詳細")
    if context.get("merged"):
        # Merged away (名寄せ): a notice with a link to the surviving customer, not the normal page.
        return render(request, "desk/customer_merged.html", context)
    context.update(form=InteractionForm(), channels=Channel.choices, channel=channel)
    return render(request, "desk/customer_detail.html", context)


@login_required
@require_POST
def interaction_create(request: AuthedRequest, pk: int) -> HttpResponse:
    """Quick action "log a call": saved without leaving the page (htmx swaps the panel)."""
    customer = customer_get(user=request.user, pk=pk, purpose=AccessPurpose.VIEW, screen="コンタクト登録")
    form = InteractionForm(request.POST)
    saved = False
    if customer.merged_into_id is not None:
        form.add_error(None, MERGED_NO_WRITES)
    elif form.is_valid():
        try:
            interaction_log(actor=request.user, customer=customer, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            saved, form = True, InteractionForm()
    if not request.htmx and customer.merged_into_id is None:
        # Without JavaScript: the kit's one error path (success → redirect; errors → the page, 200).
        if saved:
            messages.success(request, "コンタクトを記録しました。")
            return redirect("desk:customer_detail", pk=customer.pk)
        page = customer_360(user=request.user, pk=pk, screen="顧客詳細")
        page.update(form=form, channels=Channel.choices, channel="")
        return render(request, "desk/customer_detail.html", page)
    context = {
        "customer": customer,
        "form": form,
        "interactions": interaction_list_for_customer(user=request.user, customer=customer, limit=TIMELINE_LIMIT),
        "channels": Channel.choices,
        "channel": "",
    }
    # Always 200: htmx does not swap 4xx responses by default, and the form errors must be shown.
    return render(request, "desk/customer_detail.html#interactions-panel", context)
