from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "tsunagu.compliance"
    label = "compliance"
    verbose_name = "コンプライアンス"

    def ready(self) -> None:
        from tsunagu.core import navigation, permissions

        navigation.register(
            navigation.Entry(
                label="アクセスログ",
                url_name="compliance:access_log",
                permission=permissions.ACCESS_LOG_VIEW,
                order=60,
            )
        )
