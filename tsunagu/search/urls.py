from django.urls import path

from . import views

app_name = "search"

urlpatterns = [
    path("search/", views.customer_search, name="customers"),
]
