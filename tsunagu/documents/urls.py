from django.urls import URLPattern, path

from . import views

app_name = "documents"

urlpatterns: list[URLPattern] = [
    path("<int:pk>/", views.document_download, name="download"),
]
