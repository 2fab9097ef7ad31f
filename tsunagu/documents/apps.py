from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "tsunagu.documents"
    label = "documents"
    verbose_name = "帳票"

    def ready(self) -> None:
        from tsunagu.core import navigation, permissions

        navigation.register(
            navigation.Entry(
                label="帳票バッチ",
                url_name="documents:batches",
                permission=permissions.DOCUMENT_BATCHES_VIEW,
                order=40,
            )
        )
        navigation.register(
            navigation.Entry(
                label="送付リスト",  # 契約内容のお知らせ: agencies download their own list
                url_name="documents:mailing_lists",
                permission=permissions.DOCUMENT_MAILING_LISTS_OWN_AGENCY,
                order=41,
            )
        )
