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
