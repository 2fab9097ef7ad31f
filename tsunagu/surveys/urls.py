from django.urls import URLPattern, path

from . import views_results

app_name = "surveys"

# The screens of the app add their routes here.
urlpatterns: list[URLPattern] = [
    path("results/", views_results.dashboard, name="results"),
    path("results/export/<str:file_format>/", views_results.export, name="results_export"),
    path("results/comments/", views_results.comments, name="results_comments"),
]
