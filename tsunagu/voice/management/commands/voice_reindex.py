"""`manage.py voice_reindex`: rebuild the index of the voices' words (after the user dictionary of
insurance terms changed; see tsunagu/voice/dictionary/README.md). Voices cleared by retention
(保存期間満了) are left out: their placeholder text is never indexed."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tsunagu.voice.models import Voice
from tsunagu.voice.services import voice_reindex


class Command(BaseCommand):
    help = "お客様の声の言葉の索引を、現在の辞書で作り直します(保険用語の辞書を変更したあとに実行します)。"

    def handle(self, *args: Any, **options: Any) -> None:
        done = voice_reindex(voices=Voice.objects.order_by("pk").iterator(chunk_size=500))
        message = f"お客様の声 {done.indexed:,} 件の索引を作り直しました。"
        if done.erased:
            message += f"保存期間満了により消去済みの {done.erased:,} 件は索引に含めていません。"
        self.stdout.write(message)
