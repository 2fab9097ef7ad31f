from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "tsunagu.desk"
    label = "desk"
    verbose_name = "業務画面"

    def ready(self) -> None:
        from tsunagu.core import navigation

        navigation.register(navigation.Entry(label="ホーム", url_name="desk:home", order=0))
