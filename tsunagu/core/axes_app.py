"""django-axes as installed here: its app, with a Japanese name in the admin (axes ships no
Japanese translation; the model and field labels come from tsunagu/locale/ja)."""

from axes.apps import AppConfig


class LoginLockoutConfig(AppConfig):
    verbose_name = "ログイン制限(ロックアウト)"
