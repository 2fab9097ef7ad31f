from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "tsunagu.surveys"
    label = "surveys"
    verbose_name = "アンケート"
