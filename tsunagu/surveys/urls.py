from django.urls import URLPattern, path

from . import public, views, views_follow_ups, views_results, views_triggers

app_name = "surveys"

# The screens of the app add their routes here.
urlpatterns: list[URLPattern] = [
    path("results/", views_results.dashboard, name="results"),
    path("results/export/<str:file_format>/", views_results.export, name="results_export"),
    path("results/comments/", views_results.comments, name="results_comments"),
    # definitions, staff entry and import (views.py); the customer's web page (public.py, no login)
    path("", views.survey_list, name="list"),
    path("new/", views.survey_new, name="new"),
    path("s/<slug:code>/", views.survey_detail, name="detail"),
    path("s/<slug:code>/edit/", views.survey_edit, name="edit"),
    path("s/<slug:code>/preview/", views.survey_preview, name="preview"),
    path("s/<slug:code>/active/", views.survey_active, name="active"),
    path("entry/", views.entry_lookup, name="entry_lookup"),
    path("customers/<int:pk>/answers/new/", views.entry, name="entry"),
    path("customers/<int:pk>/opt-out/", views.opt_out, name="opt_out"),
    path("invitations/<int:pk>/answer/", views.invitation_entry, name="invitation_entry"),
    path("imports/", views.imports, name="imports"),
    path("imports/<int:pk>/", views.import_detail, name="import"),
    path("imports/<int:pk>/errors.csv", views.import_errors, name="import_errors"),
    path("r/<str:token>/", public.answer, name="answer"),
    path("r/<str:token>/opt-out/", public.opt_out, name="opt_out_public"),
    path("thanks/", public.thanks, name="thanks"),
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
