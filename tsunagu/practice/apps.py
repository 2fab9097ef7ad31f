"""Agency practice (顧客本位の業務運営, issue 13): 意向把握 records, 高齢者対応 measures, the renewal
worklist (満期管理) and training — the daily records the KPI pack (tsunagu.kpis) counts."""

from django.apps import AppConfig


class PracticeConfig(AppConfig):
    name = "tsunagu.practice"
    label = "practice"
    verbose_name = "募集品質"
