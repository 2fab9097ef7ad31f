from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "tsunagu.desk"
    label = "desk"
    verbose_name = "業務画面"
