"""The KPI pack of customer-first practice (issue 13): KPIs computed from the records per agency,
branch and company and fiscal year, targets, drill-down, and the published 取組状況 report."""

from django.apps import AppConfig


class KpisConfig(AppConfig):
    name = "tsunagu.kpis"
    label = "kpis"
    verbose_name = "KPI"
