from django.urls import path

from . import views

app_name = "analytics"

urlpatterns = [
    path("", views.home, name="home"),
    path("models/<int:pk>/", views.model_detail, name="model"),
    path("models/<int:pk>/activate/", views.model_activate, name="model_activate"),
    path("score/", views.score_start, name="score_start"),
]
