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
    SENSITIVE_WITHOUT_TASK = "sensitive_without_task", "業務に関係のない機微情報の閲覧"


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


class BreachCause(models.TextChoices):
    """How the personal data left (or may have left) the organisation's control."""

    MISUSE = "misuse", "従業者による不正な持出し・閲覧"
    UNAUTHORIZED_ACCESS = "unauthorized_access", "外部からの不正アクセス"
    MISSEND = "missend", "誤送付・誤送信(郵送・FAX・メール)"
    LOSS = "loss", "紛失・盗難"
    SYSTEM = "system", "システムの不具合・設定誤り"
    OTHER = "other", "その他"


class BreachStatus(models.TextChoices):
    OPEN = "open", "対応中"
    CLOSED = "closed", "完了"


class AffectedSource(models.TextChoices):
    ACCESS_LOG = "access_log", "アクセスログ(閲覧)"
    EXPORT = "export", "アクセスログ(出力・帳票)"
    MANUAL = "manual", "個別に登録"


class NotificationMethod(models.TextChoices):
    POST = "post", "郵送"
    EMAIL = "email", "電子メール"
    PHONE = "phone", "電話"
    VISIT = "visit", "訪問・面談"
    PUBLICATION = "publication", "公表による代替"


class DsrKind(models.TextChoices):
    """The requests a person may make about their retained personal data (APPI Arts. 33–35)."""

    DISCLOSURE = "disclosure", "開示"
    PROVISION_RECORDS = "provision_records", "第三者提供記録の開示"
    CORRECTION = "correction", "訂正・追加・削除"
    STOP_USE = "stop_use", "利用停止・消去"
    STOP_PROVISION = "stop_provision", "第三者提供の停止"


class DsrChannel(models.TextChoices):
    COUNTER = "counter", "窓口"
    POST = "post", "郵送"
    PHONE = "phone", "電話(書面の送付を案内)"
    WEB = "web", "Webフォーム"
    AGENCY = "agency", "代理店経由"


class DsrStatus(models.TextChoices):
    RECEIVED = "received", "受付(本人確認待ち)"
    VERIFIED = "verified", "対応中(本人確認済)"
    COMPLETED = "completed", "回答済"
    WITHDRAWN = "withdrawn", "取下げ"


class IdentityDocument(models.TextChoices):
    """What identified the requester. Only the kind is recorded, never the document's number."""

    DRIVERS_LICENSE = "drivers_license", "運転免許証"
    MY_NUMBER_CARD = "my_number_card", "マイナンバーカード(表面のみ)"
    PASSPORT = "passport", "パスポート"
    INSURANCE_CARD = "insurance_card", "健康保険の資格確認書等と補助書類"
    REGISTERED_ADDRESS = "registered_address", "登録住所への回答書送付による確認"
    AGENT_PROXY = "agent_proxy", "代理人(委任状と代理人・本人の確認書類)"


class DsrDecision(models.TextChoices):
    COMPLY = "comply", "全部対応"
    PARTIAL = "partial", "一部対応"
    REFUSE = "refuse", "対応しない(理由を通知)"


class DsrResponseChannel(models.TextChoices):
    POST = "post", "書面の郵送"
    ELECTRONIC = "electronic", "電磁的記録の提供"
    COUNTER = "counter", "窓口での交付"


# --- registers: contractors (委託先) and internal audits of branches and agencies ----------------------
class ContractorStatus(models.TextChoices):
    ACTIVE = "active", "委託中"
    SUSPENDED = "suspended", "委託停止中"
    ENDED = "ended", "委託終了"


class DataLocation(models.TextChoices):
    """Where the contractor handles the data: a foreign location needs the 外的環境の把握 (h.2)."""

    DOMESTIC = "domestic", "国内"
    FOREIGN = "foreign", "外国(外的環境の把握が必要)"


class AuditMethod(models.TextChoices):
    ON_SITE = "on_site", "実地監査"
    DOCUMENT = "document", "書面(チェックシート)"
    REMOTE = "remote", "リモート"


class ContractorRating(models.TextChoices):
    """The audit's overall judgement of the contractor's safety measures."""

    A = "A", "A: 適切"
    B = "B", "B: 軽微な改善事項あり"
    C = "C", "C: 改善が必要(期限を定めて是正)"
    D = "D", "D: 重大な不備(委託の停止を検討)"


class SafeguardCategory(models.TextChoices):
    """The four categories of 安全管理措置 (金融分野ガイドライン 実務指針)."""

    ORGANISATIONAL = "organisational", "組織的安全管理措置"
    HUMAN = "human", "人的安全管理措置"
    PHYSICAL = "physical", "物理的安全管理措置"
    TECHNICAL = "technical", "技術的安全管理措置"


class InternalAuditStatus(models.TextChoices):
    PLANNED = "planned", "予定"
    IN_PROGRESS = "in_progress", "実施中"
    REPORTED = "reported", "報告済(是正フォロー中)"
    CLOSED = "closed", "完了"


class ChecklistResult(models.TextChoices):
    CONFORMS = "conforms", "適合"
    PARTIAL = "partial", "一部不適合"
    NONCONFORMS = "nonconforms", "不適合"
    NOT_APPLICABLE = "na", "該当なし"


class FindingSeverity(models.TextChoices):
    HIGH = "high", "重大"
    MEDIUM = "medium", "要改善"
    LOW = "low", "軽微"


class FindingStatus(models.TextChoices):
    OPEN = "open", "未対応"
    IN_PROGRESS = "in_progress", "対応中"
    DONE = "done", "是正済"
