"""Choices of retention (保存期間と廃棄・匿名化) and the DSR reminders."""

from django.db import models


class RecordType(models.TextChoices):
    CUSTOMER = "customer", "顧客基本情報(氏名・住所・電話・メール・生年月日)"
    POLICY = "policy", "契約"
    CLAIM = "claim", "事故・保険金支払"
    CONTACT = "contact", "コンタクト履歴(応対記録)"
    CASE = "case", "案件(苦情以外)"
    COMPLAINT = "complaint", "苦情"
    DOCUMENT = "document", "帳票(送付先の控え)"
    SURVEY = "survey", "アンケート回答(自由記述)"
    VOICE = "voice", "お客様の声"
    SCORE = "score", "分析スコア"
    SOURCE = "source", "名寄せの元データ"
    ACCESS_LOG = "access_log", "アクセスログ"


class HoldKind(models.TextChoices):
    LAWSUIT = "lawsuit", "訴訟"
    DISPUTE = "dispute", "紛争"
    ADR = "adr", "ADR(そんぽADRセンター等)"
    AUTHORITY = "authority", "当局照会"
    OTHER = "other", "その他"


class RetentionRunStatus(models.TextChoices):
    RUNNING = "running", "実行中"
    DONE = "done", "完了"
    FAILED = "failed", "失敗"


class ReminderKind(models.TextChoices):
    DUE_SOON = "due_soon", "回答期限が近い"
    OVERDUE = "overdue", "回答期限超過"
