"""django-tasks' database backend as installed here: its app, with a Japanese name in the admin
(the package ships "Tasks Database Backend" and no Japanese catalog; the model and field labels
come from tsunagu/locale/ja)."""

from django_tasks_db.apps import TasksAppConfig


class TaskResultsConfig(TasksAppConfig):
    verbose_name = "バックグラウンド処理"
