from django.urls import path

from . import views

app_name = "kpis"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("drill/<str:kpi>/", views.drill, name="drill"),
    path("export.<str:fmt>", views.export, name="export"),
    path("targets/", views.targets, name="targets"),
    path("rebuild/", views.rebuild, name="rebuild"),
    path("reports/", views.reports, name="reports"),
    path("reports/<str:agency>/<int:year>/", views.report, name="report"),
    path("reports/<str:agency>/<int:year>/publish/", views.publish, name="publish"),
    path("reports/<str:agency>/<int:year>/pdf/", views.report_pdf_view, name="report_pdf"),
    path("reports/<str:agency>/<int:year>/v<int:number>/pdf/", views.version_pdf, name="version_pdf"),
]
