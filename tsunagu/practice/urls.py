from django.urls import path

from . import views

app_name = "practice"

urlpatterns = [
    path("", views.intents, name="intents"),
    path("policies/<int:policy_pk>/intent/", views.intent_edit, name="intent_edit"),
    path("policies/<int:policy_pk>/intent/double-check/", views.intent_double_check, name="intent_double_check"),
    path("elderly/", views.elderly_list, name="elderly"),
    path("policies/<int:policy_pk>/elderly/", views.elderly_start, name="elderly_start"),
    path("elderly/<int:pk>/", views.elderly_detail, name="elderly_detail"),
    path("renewals/", views.renewals, name="renewals"),
    path("renewals/export/", views.renewals_export, name="renewals_export"),
    path("policies/<int:policy_pk>/renewal/", views.renewal_edit, name="renewal_edit"),
    path("training/", views.training, name="training"),
    path("training/new/", views.training_new, name="training_new"),
    path("training/roleplay/", views.roleplay_new, name="roleplay_new"),
    path("training/qualification/", views.qualification_new, name="qualification_new"),
    path("training/guidance/", views.guidance_new, name="guidance_new"),
]
