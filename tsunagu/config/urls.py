from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from .api import api

admin.site.site_header = "つなぐ 管理画面"
admin.site.site_title = "つなぐ"
admin.site.index_title = "データ管理"

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("", include("tsunagu.search.urls")),
    path("cases/", include("tsunagu.cases.urls")),
    path("documents/", include("tsunagu.documents.urls")),
    path("identity/", include("tsunagu.identity.urls")),
    path("policies/", include("tsunagu.desk.policy_pages")),  # policies:policy_detail, policies:claim_detail
    path("surveys/", include("tsunagu.surveys.urls")),
    path("voice/", include("tsunagu.voice.urls")),
    path("practice/", include("tsunagu.practice.urls")),
    path("kpis/", include("tsunagu.kpis.urls")),
    path("analytics/", include("tsunagu.analytics.urls")),
    path("compliance/", include("tsunagu.compliance.urls")),
    path("", include("tsunagu.desk.urls")),
]
