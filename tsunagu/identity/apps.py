from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "tsunagu.identity"
    label = "identity"
    verbose_name = "名寄せ"

    def ready(self) -> None:
        from tsunagu.core.events import subscribe_customer_changed

        from .services.common import collect_changed

        subscribe_customer_changed(collect_changed)

        from tsunagu.core import navigation, permissions

        navigation.register(
            navigation.Entry(
                label="名寄せ", url_name="identity:home", permission=permissions.IDENTITY_STEWARD, order=50
            )
        )
