from django.apps import AppConfig


class InteractionsConfig(AppConfig):
    name = "tsunagu.interactions"
    label = "interactions"
    verbose_name = "コンタクト履歴"
