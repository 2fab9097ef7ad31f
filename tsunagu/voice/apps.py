"""お客様の声: the voice register (感謝・不満・要望・その他), monthly sharing (回覧), improvements, analysis of
the words (SudachiPy), similar past voices, and the complaint / そんぽADR analysis."""

from django.apps import AppConfig


class VoiceConfig(AppConfig):
    name = "tsunagu.voice"
    label = "voice"
    verbose_name = "お客様の声"

    def ready(self) -> None:
        from tsunagu.core import navigation, permissions

        from . import menu

        navigation.register(
            navigation.Entry(
                label="お客様の声",
                url_name="voice:list",
                permission=permissions.VOICE_RECORD,
                order=75,
                badge=menu.unread_badge,
                children=tuple(menu.CHILDREN),
                active_prefixes=("/voice/",),
            )
        )
        # Compliance auditors analyse complaints without recording voices: their own menu entry.
        navigation.register(
            navigation.Entry(
                label="苦情分析",
                url_name="voice:complaint_analysis",
                permission=permissions.COMPLAINT_ANALYSIS_OUTSIDE_VOICE,
                order=76,
            )
        )
