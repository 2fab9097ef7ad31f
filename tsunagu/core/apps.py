from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "tsunagu.core"
    label = "core"
    verbose_name = "組織・監査"

    def ready(self) -> None:
        # Connects the login receiver that starts the idle-session clock (see core/sessions.py).
        from . import sessions  # noqa: F401
        from .navigation import Entry, register
        from .permissions import ADMIN_SITE

        register(Entry(label="管理画面", url_name="admin:index", permission=ADMIN_SITE, order=1000))
