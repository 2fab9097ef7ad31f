from django.urls import path

from . import views

app_name = "identity"

urlpatterns = [
    path("", views.home, name="home"),
    path("import/", views.import_upload, name="import"),
    path("sources/", views.source_list, name="sources"),
    path("sources/new/", views.source_edit, name="source_new"),
    path("sources/<str:code>/", views.source_edit, name="source"),
    path("sources/<str:code>/profiles/new/", views.profile_edit, name="profile_new"),
    path("profiles/<int:pk>/", views.profile_edit, name="profile"),
    path("batches/<int:pk>/", views.batch_detail, name="batch"),
    path("batches/<int:pk>/errors.csv", views.batch_errors_csv, name="batch_errors"),
    path("runs/start/", views.run_start, name="run_start"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("review/", views.review_list, name="review"),
    path("review/<int:pk>/", views.pair_detail, name="pair"),
    path("relations/<int:pk>/end/", views.relation_end_view, name="relation_end"),
    path("customers/<int:pk>/", views.customer_detail, name="customer"),
    path("customers/<int:pk>/merge/", views.customer_merge_view, name="merge_into"),
    path("merges/<int:pk>/", views.merge_detail, name="merge"),
    path("merges/<int:pk>/unmerge/", views.unmerge_view, name="unmerge"),
]
