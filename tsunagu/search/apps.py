from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "tsunagu.search"
    label = "search"
    verbose_name = "顧客検索"

    def ready(self) -> None:
        from tsunagu.core.events import subscribe_customer_changed

        from .services import on_customer_changed

        # Runs inside the writing service's transaction: the index is current at every commit.
        subscribe_customer_changed(on_customer_changed)
