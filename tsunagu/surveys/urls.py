from django.urls import URLPattern

app_name = "surveys"

# The screens of the app add their routes here.
urlpatterns: list[URLPattern] = []
