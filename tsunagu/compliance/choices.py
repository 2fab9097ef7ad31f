"""Enumerations of the compliance app, with the Japanese labels the screens show."""

from __future__ import annotations

from django.db import models


class RuleCode(models.TextChoices):
    BULK_VIEWING = "bulk_viewing", "大量閲覧"
    OUTSIDE_HOURS = "outside_hours", "業務時間外の閲覧"
    OUT_OF_PORTFOLIO = "out_of_portfolio", "担当外の顧客の閲覧"
    REPEATED_VIEWING = "repeated_viewing", "同一顧客の繰り返し閲覧"
    EXPORTS = "exports", "エクスポート・帳票出力の急増"
    SEARCH_NON_CUSTOMERS = "search_non_customers", "顧客でない人の検索"
    FAMILY_VIEWING = "family_viewing", "家族の記録の閲覧"
    DORMANT_ACCOUNT = "dormant_account", "休止すべきアカウントからのアクセス"


class RunKind(models.TextChoices):
    SCHEDULED = "scheduled", "定期実行(前回の続きから)"
    PERIOD = "period", "期間指定"


class RunStatus(models.TextChoices):
    RUNNING = "running", "実行中"
    COMPLETED = "completed", "完了"
    FAILED = "failed", "失敗"


class AlertStatus(models.TextChoices):
    NEW = "new", "未着手"
    IN_REVIEW = "in_review", "確認中"
    WAITING_REASON = "waiting_reason", "上長の回答待ち"
    CLOSED = "closed", "結論済み"


class Conclusion(models.TextChoices):
    JUSTIFIED = "justified", "正当な業務"
    TRAINING = "training", "教育指導"
    INCIDENT = "incident", "インシデント"


class CampaignStatus(models.TextChoices):
    OPEN = "open", "実施中"
    CLOSED = "closed", "締切済み"


class ReviewDecision(models.TextChoices):
    PENDING = "pending", "未確認"
    CONFIRMED = "confirmed", "継続"
    REVOKED = "revoked", "取消"
    FLAGGED = "flagged", "期限までに未確認"
