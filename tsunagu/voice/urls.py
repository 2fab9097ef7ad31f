from django.urls import URLPattern, path

from . import views, views_complaints

app_name = "voice"

urlpatterns: list[URLPattern] = [
    path("", views.voice_list, name="list"),
    path("new/", views.voice_new, name="new"),
    path("similar/", views.similar, name="similar"),
    path("<int:pk>/", views.voice_detail, name="detail"),
    path("<int:pk>/edit/", views.voice_edit, name="edit"),
    path("<int:pk>/complaint/", views.voice_complaint, name="complaint"),
    path("proposals/", views.proposal_list, name="proposals"),
    path("proposals/<int:pk>/", views.proposal_confirm, name="proposal"),
    path("circulations/", views.circulation_list, name="circulations"),
    path("circulations/<int:pk>/", views.circulation_detail, name="circulation"),
    path("circulations/<int:pk>/read/", views.circulation_read, name="circulation_read"),
    path("improvements/", views.improvement_list, name="improvements"),
    path("improvements/new/", views.improvement_form, name="improvement_new"),
    path("improvements/<int:pk>/", views.improvement_detail, name="improvement"),
    path("improvements/<int:pk>/edit/", views.improvement_form, name="improvement_edit"),
    path("report/", views.report, name="report"),
    path("trends/", views.trends, name="trends"),
    # The complaint / ADR analysis screens (voice/views_complaints.py) add their routes below.
    path("complaints/", views_complaints.complaint_analysis, name="complaint_analysis"),
    path("complaints/cases/", views_complaints.complaint_cases, name="complaint_cases"),
    path("complaints/export/", views_complaints.complaint_analysis_export, name="complaint_analysis_export"),
]
