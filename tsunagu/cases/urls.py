from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("new/", views.case_new, name="new"),
    path("mine/", views.my_cases, name="mine"),
    path("queue/", views.queue, name="queue"),
    path("overdue/", views.overdue, name="overdue"),
    path("faq/", views.faq, name="faq"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/transition/", views.case_transition, name="transition"),
    path("<int:pk>/handoff/", views.case_handoff, name="handoff"),
    path("<int:pk>/assign/", views.case_assign, name="assign"),
    path("<int:pk>/change/", views.case_change_edit, name="change_edit"),
    path("<int:pk>/faq/", views.case_faq, name="faq_pick"),
    path("<int:pk>/note/", views.case_note, name="note"),
    path("<int:pk>/call/", views.case_call, name="call"),
    path("<int:pk>/identity/", views.case_identity, name="identity"),
    path("<int:pk>/answer/", views.case_answer, name="answer"),
    path("<int:pk>/complaint/", views.case_complaint, name="complaint"),
    path("<int:pk>/adr/refer/", views.case_adr_refer, name="adr_refer"),
    path("<int:pk>/adr/advance/", views.case_adr_advance, name="adr_advance"),
    path("<int:pk>/adr/conclude/", views.case_adr_conclude, name="adr_conclude"),
    path("<int:pk>/insurer-report/", views.case_insurer_report, name="insurer_report"),
    path("<int:pk>/cancellation/", views.case_cancellation, name="cancellation"),
    path("<int:pk>/documents/<int:doc>/<str:action>/", views.document_action, name="document"),
    path("<int:pk>/tasks/<int:task>/done/", views.task_done, name="task_done"),
]
