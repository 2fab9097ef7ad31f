"""The KPI pack of customer-first practice (issue 13): KPIs computed from the records per agency,
branch and company and fiscal year, targets, drill-down, and the published 取組状況 report."""

from django.apps import AppConfig


class KpisConfig(AppConfig):
    name = "tsunagu.kpis"
    label = "kpis"
    verbose_name = "KPI"

    def ready(self) -> None:
        from tsunagu.core import navigation, permissions

        navigation.register(
            navigation.Entry(
                label="KPI",
                url_name="kpis:dashboard",
                permission=permissions.KPIS_VIEW,
                order=78,
                children=(
                    navigation.Entry(
                        label="KPI一覧", url_name="kpis:dashboard", permission=permissions.KPIS_VIEW, order=1
                    ),
                    navigation.Entry(
                        label="目標", url_name="kpis:targets", permission=permissions.KPIS_MANAGE, order=2
                    ),
                    navigation.Entry(
                        label="取組状況の公表", url_name="kpis:reports", permission=permissions.KPIS_VIEW, order=3
                    ),
                ),
            )
        )
