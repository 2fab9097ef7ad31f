from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "tsunagu.cases"
    label = "cases"
    verbose_name = "案件"

    def ready(self) -> None:
        from tsunagu.search.badges import register_badge_provider

        from .selectors import open_case_badges

        register_badge_provider(open_case_badges)
