from django.urls import path  # noqa: F401  (the app adds its routes)

app_name = "practice"

urlpatterns: list = []
