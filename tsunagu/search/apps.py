from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "tsunagu.search"
    label = "search"
    verbose_name = "顧客検索"
