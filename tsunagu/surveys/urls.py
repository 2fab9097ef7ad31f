from django.urls import URLPattern, path

from . import views_follow_ups, views_results, views_triggers

app_name = "surveys"

# The screens of the app add their routes here.
urlpatterns: list[URLPattern] = [
    path("results/", views_results.dashboard, name="results"),
    path("results/export/<str:file_format>/", views_results.export, name="results_export"),
    path("results/comments/", views_results.comments, name="results_comments"),
    # 送付ルール, 送付状況, 送付リスト (views_triggers.py); フォローアップ (views_follow_ups.py)
    path("triggers/", views_triggers.trigger_list, name="triggers"),
    path("triggers/new/", views_triggers.trigger_edit, name="trigger_new"),
    path("triggers/<int:pk>/", views_triggers.trigger_edit, name="trigger_edit"),
    path("invitations/", views_triggers.invitation_status_view, name="invitation_status"),
    path("invitations/send-lists/", views_triggers.send_lists, name="send_lists"),
    path("invitations/send-lists/<str:day>/<str:file_format>/", views_triggers.send_list_download, name="send_list"),
    path("follow-ups/", views_follow_ups.worklist, name="follow_ups"),
    path("follow-ups/<int:pk>/", views_follow_ups.detail, name="follow_up"),
]
