from django.urls import URLPattern

app_name = "analytics"

# The screens of the app add their routes here.
urlpatterns: list[URLPattern] = []
