from django.urls import URLPattern

app_name = "voice"

# The screens of the app add their routes here.
urlpatterns: list[URLPattern] = []
