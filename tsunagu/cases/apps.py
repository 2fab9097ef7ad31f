from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "tsunagu.cases"
    label = "cases"
    verbose_name = "案件"

    def ready(self) -> None:
        from tsunagu.search.badges import register_badge_provider

        from .selectors import open_case_badges

        register_badge_provider(open_case_badges)
        _register_navigation()


def _register_navigation() -> None:
    from tsunagu.core import navigation, permissions

    from . import selectors

    def overdue_mine(user: object) -> int:
        filters = selectors.CaseFilters(overdue_only=True, assignee_id=user.pk)  # type: ignore[attr-defined]
        return selectors.case_queryset(user=user, filters=filters).count()  # type: ignore[arg-type]

    Entry = navigation.Entry
    navigation.register(
        Entry(
            label="案件",
            url_name="cases:mine",
            permission=permissions.CASES_WORK,
            order=20,
            active_prefixes=("/cases/",),
            children=(
                Entry(label="担当案件", url_name="cases:mine", permission=permissions.CASES_WORK),
                Entry(label="部署キュー", url_name="cases:queue", permission=permissions.CASES_DEPARTMENT_QUEUE),
                Entry(label="代理店の案件", url_name="cases:queue", permission=permissions.CASES_AGENCY_QUEUE),
                Entry(
                    label="期限超過", url_name="cases:overdue", permission=permissions.CASES_WORK, badge=overdue_mine
                ),
            ),
        )
    )
    navigation.register(Entry(label="FAQ", url_name="cases:faq", order=30))
