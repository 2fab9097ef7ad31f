from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "tsunagu.identity"
    label = "identity"
    verbose_name = "名寄せ"

    def ready(self) -> None:
        from tsunagu.core.events import subscribe_customer_changed

        from .services.common import collect_changed

        subscribe_customer_changed(collect_changed)
