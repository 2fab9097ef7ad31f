from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "tsunagu.core"
    label = "core"
    verbose_name = "組織・監査"

    def ready(self) -> None:
        from django.contrib.auth.models import update_last_login
        from django.contrib.auth.signals import user_logged_in

        # Connects the login receiver that starts the idle-session clock (see core/sessions.py).
        from . import sessions

        # last_login without a User history row per login (sessions.record_last_login).
        user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")
        user_logged_in.connect(sessions.record_last_login, dispatch_uid="tsunagu.core.sessions.record_last_login")
        from .navigation import Entry, register
        from .permissions import ADMIN_SITE

        register(Entry(label="管理画面", url_name="admin:index", permission=ADMIN_SITE, order=1000))
