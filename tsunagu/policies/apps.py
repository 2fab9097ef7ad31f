from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "tsunagu.policies"
    label = "policies"
    verbose_name = "契約・事故"
