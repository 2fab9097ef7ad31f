from django.urls import URLPattern, path

from . import views

app_name = "documents"

urlpatterns: list[URLPattern] = [
    path("<int:pk>/", views.document_download, name="download"),
    path("<int:pk>/reply/", views.notice_reply, name="notice_reply"),
    path("cases/<int:pk>/issue/", views.case_issue, name="case_issue"),
    path("link/<str:token>/", views.link_download, name="link"),
    path("batches/", views.batches, name="batches"),
    path("batches/<int:pk>/", views.batch_detail, name="batch"),
    path("batches/<int:pk>/exceptions.csv", views.batch_exceptions, name="batch_exceptions"),
    path("mailing-lists/", views.mailing_lists, name="mailing_lists"),
    path("mailing-lists/<str:month>/<str:file_format>/", views.mailing_list_download, name="mailing_list"),
]
