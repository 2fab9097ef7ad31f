"""The お客様の声 menu's children (the complaint analysis screens add theirs to CHILDREN before
VoiceConfig.ready registers the entry) and its badge."""

from __future__ import annotations

from typing import Any

from tsunagu.core import navigation, permissions

CHILDREN: list[navigation.Entry] = [
    navigation.Entry(label="一覧", url_name="voice:list", permission=permissions.VOICE_RECORD, order=1),
    navigation.Entry(label="記録", url_name="voice:new", permission=permissions.VOICE_RECORD, order=2),
    navigation.Entry(label="回覧", url_name="voice:circulations", permission=permissions.VOICE_RECORD, order=3),
    navigation.Entry(label="改善", url_name="voice:improvements", permission=permissions.VOICE_RECORD, order=4),
    navigation.Entry(label="件数と改善", url_name="voice:report", permission=permissions.VOICE_RECORD, order=5),
    navigation.Entry(label="言葉の傾向", url_name="voice:trends", permission=permissions.VOICE_RECORD, order=6),
    navigation.Entry(
        label="アンケートからの提案", url_name="voice:proposals", permission=permissions.VOICE_RECORD, order=7
    ),
    navigation.Entry(
        label="苦情分析", url_name="voice:complaint_analysis", permission=permissions.COMPLAINT_ANALYSIS, order=8
    ),
]


def unread_badge(user: Any) -> int | None:
    """回覧 of the user's organisation not yet read by the user (one indexed query; no personal data)."""
    from .models import Circulation

    if not permissions.has(user, permissions.VOICE_RECORD):
        return None
    own = (
        Circulation.objects.filter(agency_id=user.agency_id)
        if user.agency_id
        else Circulation.objects.filter(agency__isnull=True)
    )
    return own.exclude(reads__user=user).count() or None
