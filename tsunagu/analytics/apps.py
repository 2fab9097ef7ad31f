"""Analytics: the feature pipeline (polars), churn / next-product / conversion models with reasons,
versioned model artifacts, scoring, and the generic propensity commands."""

from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "tsunagu.analytics"
    label = "analytics"
    verbose_name = "分析"

    def ready(self) -> None:
        from tsunagu.core import navigation, permissions

        navigation.register(
            navigation.Entry(
                label="予測モデル",
                url_name="analytics:home",
                permission=permissions.ANALYTICS_MODELS,
                order=80,
                active_prefixes=("/analytics/",),
            )
        )
        # Target lists: analysts build them; agency staff (and head-office staff who act on scores)
        # work their customers' entries.
        navigation.register(
            navigation.Entry(
                label="ターゲットリスト",
                url_name="analytics:targets",
                permission=permissions.ANALYTICS_SCORES,
                order=81,
                active_prefixes=("/analytics/lists/", "/analytics/entries/"),
            )
        )
        # 解約防止分析: analysts, administrators and the call center's supervisors.
        navigation.register(
            navigation.Entry(
                label="解約防止分析",
                url_name="analytics:retention",
                permission=permissions.ANALYTICS_RETENTION,
                order=82,
                active_prefixes=("/analytics/retention/",),
            )
        )
