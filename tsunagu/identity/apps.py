from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "tsunagu.identity"
    label = "identity"
    verbose_name = "名寄せ"
