from typing import Any

from django.apps import AppConfig


def _open_requests(user: Any) -> int | None:
    """The manager's badge: business-reason requests not yet answered and roles still to confirm or
    revoke in an open review (two indexed counts)."""
    from .choices import CampaignStatus, ReviewDecision
    from .models import ReasonRequest, ReviewItem

    requests = ReasonRequest.objects.filter(manager=user, answered_at__isnull=True).count()
    roles = ReviewItem.objects.filter(
        reviewer=user, decision=ReviewDecision.PENDING, campaign__status=CampaignStatus.OPEN
    ).count()
    return requests + roles or None


def _unread_reminders(user: Any) -> int | None:
    """Unread reminders of open data-subject requests addressed to the user."""
    from .dsr_reminders import unread_for

    return unread_for(user)


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
        navigation.register(
            navigation.Entry(
                label="アクセス監視",
                url_name="compliance:alerts",
                permission=permissions.COMPLIANCE_ALERTS,
                order=62,
                active_prefixes=(
                    "/compliance/alerts/",
                    "/compliance/settings/",
                    "/compliance/reports/",
                    "/compliance/reviews/",
                    "/compliance/breaches/",
                    "/compliance/requests/",
                    "/compliance/contractors/",
                    "/compliance/audits/",
                    "/compliance/retention/",
                ),
                children=(
                    navigation.Entry(
                        label="アラート", url_name="compliance:alerts", permission=permissions.COMPLIANCE_ALERTS
                    ),
                    navigation.Entry(
                        label="監査レポート", url_name="compliance:report", permission=permissions.COMPLIANCE_ALERTS
                    ),
                    navigation.Entry(
                        label="アクセス権レビュー",
                        url_name="compliance:reviews",
                        permission=permissions.COMPLIANCE_REVIEWS_MANAGE,
                    ),
                    navigation.Entry(
                        label="漏えい等事案",
                        url_name="compliance:breaches",
                        permission=permissions.COMPLIANCE_BREACHES,
                    ),
                    navigation.Entry(
                        label="開示等の請求",
                        url_name="compliance:dsr_list",
                        permission=permissions.COMPLIANCE_DSR,
                    ),
                    navigation.Entry(
                        label="期限リマインダー",
                        url_name="compliance:dsr_reminders",
                        permission=permissions.COMPLIANCE_DSR,
                        badge=_unread_reminders,
                    ),
                    navigation.Entry(
                        label="保存期間・廃棄",
                        url_name="compliance:retention",
                        permission=permissions.COMPLIANCE_RETENTION,
                    ),
                    navigation.Entry(
                        label="委託先管理",
                        url_name="compliance:contractors",
                        permission=permissions.COMPLIANCE_REGISTERS,
                    ),
                    navigation.Entry(
                        label="内部監査",
                        url_name="compliance:internal_audits",
                        permission=permissions.COMPLIANCE_REGISTERS,
                    ),
                    navigation.Entry(
                        label="閾値・実行履歴", url_name="compliance:settings", permission=permissions.COMPLIANCE_ALERTS
                    ),
                ),
            )
        )
        navigation.register(
            navigation.Entry(
                label="上長の確認",
                url_name="compliance:manager",
                permission=permissions.COMPLIANCE_MANAGER_DESK,
                order=64,
                badge=_open_requests,
            )
        )
