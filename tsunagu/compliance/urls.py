from django.urls import path

from . import views, views_breach, views_dsr, views_monitoring

app_name = "compliance"

urlpatterns = [
    path("access-log/", views.access_log, name="access_log"),
    path("access-log/export.csv", views.access_log_csv, name="access_log_csv"),
    path("alerts/", views_monitoring.alerts, name="alerts"),
    path("alerts/<int:pk>/", views_monitoring.alert_detail, name="alert_detail"),
    path("alerts/<int:pk>/assign/", views_monitoring.alert_assign, name="alert_assign"),
    path("alerts/<int:pk>/ask/", views_monitoring.alert_ask, name="alert_ask"),
    path("alerts/<int:pk>/conclude/", views_monitoring.alert_conclude, name="alert_conclude"),
    path("manager/", views_monitoring.manager_desk, name="manager"),
    path("manager/requests/<int:pk>/", views_monitoring.reason_answer, name="reason_answer"),
    path("manager/reviews/<int:pk>/", views_monitoring.review_item_decide, name="review_item_decide"),
    path("settings/", views_monitoring.rule_settings, name="settings"),
    path("settings/new/", views_monitoring.rule_setting_edit, name="setting_new"),
    path("settings/<int:pk>/", views_monitoring.rule_setting_edit, name="setting_edit"),
    path("reports/", views_monitoring.report, name="report"),
    path("reviews/", views_monitoring.reviews, name="reviews"),
    path("reviews/<int:pk>/", views_monitoring.review_detail, name="review_detail"),
    path("reviews/<int:pk>/close/", views_monitoring.review_close, name="review_close"),
    path("breaches/", views_breach.incidents, name="breaches"),
    path("breaches/new/", views_breach.incident_new, name="breach_new"),
    path("breaches/<int:pk>/", views_breach.incident_detail, name="breach_detail"),
    path("breaches/<int:pk>/edit/", views_breach.incident_edit, name="breach_edit"),
    path("breaches/<int:pk>/find/", views_breach.incident_find, name="breach_find"),
    path("breaches/<int:pk>/add/", views_breach.incident_add, name="breach_add"),
    path("breaches/<int:pk>/report/", views_breach.incident_report, name="breach_report"),
    path("breaches/<int:pk>/notify/", views_breach.incident_notify, name="breach_notify"),
    path("breaches/<int:pk>/close/", views_breach.incident_close, name="breach_close"),
    path("breaches/<int:pk>/report.pdf", views_breach.incident_pdf_download, name="breach_pdf"),
    path("breaches/<int:pk>/persons.csv", views_breach.incident_affected_csv, name="breach_persons_csv"),
    path("requests/", views_dsr.requests, name="dsr_list"),
    path("requests/new/", views_dsr.request_new, name="dsr_new"),
    path("requests/<int:pk>/", views_dsr.request_detail, name="dsr_detail"),
    path("requests/<int:pk>/verify/", views_dsr.request_verify, name="dsr_verify"),
    path("requests/<int:pk>/complete/", views_dsr.request_complete, name="dsr_complete"),
    path("requests/<int:pk>/withdraw/", views_dsr.request_withdraw, name="dsr_withdraw"),
    path("requests/<int:pk>/disclosure.pdf", views_dsr.request_export, {"fmt": "pdf"}, name="dsr_export_pdf"),
    path("requests/<int:pk>/disclosure.json", views_dsr.request_export, {"fmt": "json"}, name="dsr_export_json"),
]
