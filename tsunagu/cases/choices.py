from django.db import models


class CaseType(models.TextChoices):
    CHANGE = "change", "異動"
    ACCIDENT = "accident", "事故受付"
    POLICY_REISSUE = "policy_reissue", "証券再発行"
    CERTIFICATE_REISSUE = "certificate_reissue", "控除証明書再発行"
    INQUIRY = "inquiry", "問い合わせ"
    COMPLAINT = "complaint", "苦情"
    CANCELLATION = "cancellation", "解約申出"


class CaseStatus(models.TextChoices):
    RECEIVED = "received", "受付"
    IN_PROGRESS = "in_progress", "対応中"
    ESCALATED = "escalated", "取次中"
    AWAITING_DOCUMENTS = "awaiting_documents", "書類待ち"
    AWAITING_IDENTITY = "awaiting_identity", "本人確認待ち"
    AWAITING_ISSUE = "awaiting_issue", "発行待ち"
    COMPLETED = "completed", "完了"
    WITHDRAWN = "withdrawn", "取下げ"


class CaseChannel(models.TextChoices):
    PHONE = "phone", "電話"
    EMAIL = "email", "メール"
    CHAT = "chat", "チャット"
    WEB = "web", "Web"
    IN_PERSON = "in_person", "対面"
    POST = "post", "郵送"


class Priority(models.TextChoices):
    LOW = "low", "低"
    NORMAL = "normal", "通常"
    HIGH = "high", "高"
    URGENT = "urgent", "緊急"


class ChangeKind(models.TextChoices):
    ADDRESS = "address", "住所変更"
    NAME = "name", "氏名変更"
    VEHICLE = "vehicle", "車両入替"
    COVERAGE = "coverage", "補償内容変更"
    PAYMENT = "payment", "口座・支払方法変更"
    OTHER = "other", "その他"


class InquiryCategory(models.TextChoices):
    PRODUCT = "product", "商品内容"
    CONTRACT = "contract", "契約内容・状況"
    PREMIUM = "premium", "保険料・支払方法"
    CHANGE = "change", "異動手続"
    CLAIM = "claim", "事故・保険金請求"
    WEB = "web", "Webサービス"
    OTHER = "other", "その他"


class CancellationReason(models.TextChoices):
    DISSATISFIED = "dissatisfied", "補償・効果に不満/合わない"
    PREMIUM_BURDEN = "premium_burden", "保険料の負担"
    DUPLICATE = "duplicate", "補償の重複・過剰"
    SWITCH = "switch", "他社への乗換え"
    SOLD = "sold", "車両・物件の売却/不要"
    OTHER = "other", "その他"


class CancellationOutcome(models.TextChoices):
    RETAINED = "retained", "継続"
    RETAINED_CHANGED = "retained_changed", "条件変更して継続"
    CANCELLED = "cancelled", "解約"


class VerificationMethod(models.TextChoices):
    PHONE_QA = "phone_qa", "電話での本人確認(登録情報の照合)"
    DOCUMENT_COPY = "document_copy", "本人確認書類の写し"
    IN_PERSON = "in_person", "対面で原本確認"
    CALLBACK = "callback", "登録電話番号への折り返し"


class IdentityDocument(models.TextChoices):
    NONE = "", "なし(照合のみ)"
    DRIVERS_LICENSE = "drivers_license", "運転免許証"
    MY_NUMBER_CARD = "my_number_card", "マイナンバーカード"
    PASSPORT = "passport", "パスポート"
    HEALTH_INSURANCE = "health_insurance", "健康保険証等"
    OTHER = "other", "その他"


class EventKind(models.TextChoices):
    CREATED = "created", "受付"
    STATUS = "status", "状態変更"
    NOTE = "note", "メモ"
    CALL = "call", "通話"
    DOCUMENT = "document", "書類"
    HANDOFF = "handoff", "取次"
    ASSIGN = "assign", "担当変更"
    DETAIL = "detail", "内容更新"
    PAUSE = "pause", "期限停止"
    RESUME = "resume", "期限再開"
    APPLIED = "applied", "変更反映"
    TASK = "task", "タスク"


class AdrStage(models.TextChoices):
    """Where a complaint stands at the そんぽADRセンター (§d.2); empty when it was never referred."""

    COMPLAINT = "complaint", "苦情解決手続"
    DISPUTE = "dispute", "紛争解決手続"


class AdrResult(models.TextChoices):
    """How the ADR procedure ended (§d.2). Which results fit which stage is `cases.adr.RESULTS_BY_STAGE`."""

    RESOLVED = "resolved", "苦情解決"
    SETTLED = "settled", "和解"
    SPECIAL_CONCILIATION = "special_conciliation", "特別調停"
    FAILED = "failed", "不調(見込みなし)"
    WITHDRAWN = "withdrawn", "取下げ"
    NOT_ACCEPTED = "not_accepted", "不受理・対象外"
