from django.urls import path

from . import retention_views, views, views_targets

app_name = "analytics"

urlpatterns = [
    path("", views.home, name="home"),
    path("models/<int:pk>/", views.model_detail, name="model"),
    path("models/<int:pk>/activate/", views.model_activate, name="model_activate"),
    path("score/", views.score_start, name="score_start"),
    path("train/", views.train_start, name="train_start"),
    path("lists/", views_targets.list_index, name="targets"),
    path("lists/new/", views_targets.list_create, name="target_create"),
    path("lists/<int:pk>/", views_targets.list_detail, name="target_list"),
    path("lists/<int:pk>/worklist/", views_targets.worklist, name="target_worklist"),
    path("lists/<int:pk>/export/", views_targets.worklist_export, name="target_export"),
    path("lists/<int:pk>/import/", views_targets.results_import, name="target_import"),
    path("entries/<int:pk>/", views_targets.entry_detail, name="target_entry"),
    path("retention/", retention_views.retention_home, name="retention"),
    path("retention/export/", retention_views.retention_export, name="retention_export"),
    path("retention/cases/", retention_views.retention_cases, name="retention_cases"),
    path("retention/winback/", retention_views.winback, name="retention_winback"),
    path("retention/winback/create/", retention_views.winback_create, name="retention_winback_create"),
    path("retention/winback/export/", retention_views.winback_export, name="retention_winback_export"),
]
