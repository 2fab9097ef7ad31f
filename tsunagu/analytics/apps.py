from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "tsunagu.analytics"
    label = "analytics"
    verbose_name = "分析"
