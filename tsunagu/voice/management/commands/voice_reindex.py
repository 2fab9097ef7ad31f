"""`manage.py voice_reindex`: rebuild the index of the voices' words (after the user dictionary of
insurance terms changed; see tsunagu/voice/dictionary/README.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tsunagu.voice.models import Voice
from tsunagu.voice.services import voice_reindex


class Command(BaseCommand):
    help = "お客様の声の言葉の索引を、現在の辞書で作り直します(保険用語の辞書を変更したあとに実行します)。"

    def handle(self, *args: Any, **options: Any) -> None:
        done = voice_reindex(voices=Voice.objects.order_by("pk").iterator(chunk_size=500))
        self.stdout.write(f"お客様の声 {done:,} 件の索引を作り直しました。")
