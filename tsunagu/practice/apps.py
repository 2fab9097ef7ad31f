"""Agency practice (顧客本位の業務運営, issue 13): 意向把握 records, 高齢者対応 measures, the renewal
worklist (満期管理) and training — the daily records the KPI pack (tsunagu.kpis) counts."""

from django.apps import AppConfig


class PracticeConfig(AppConfig):
    name = "tsunagu.practice"
    label = "practice"
    verbose_name = "募集品質"

    def ready(self) -> None:
        from tsunagu.core import navigation, permissions

        view = permissions.PRACTICE_VIEW
        navigation.register(
            navigation.Entry(
                label="募集品質",
                url_name="practice:intents",
                permission=view,
                order=77,
                children=(
                    navigation.Entry(label="意向把握", url_name="practice:intents", permission=view, order=1),
                    navigation.Entry(label="高齢者対応", url_name="practice:elderly", permission=view, order=2),
                    navigation.Entry(label="満期管理", url_name="practice:renewals", permission=view, order=3),
                    navigation.Entry(label="研修", url_name="practice:training", permission=view, order=4),
                ),
                active_prefixes=("/practice/",),
            )
        )
