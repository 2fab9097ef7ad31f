from django.urls import path

from . import views, views_monitoring

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
]
