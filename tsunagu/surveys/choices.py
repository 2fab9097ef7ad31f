from django.db import models


class QuestionKind(models.TextChoices):
    NPS = "nps", "推奨度(0〜10)"
    SCALE = "scale", "満足度(0〜10)"
    RATING = "rating", "評価(1〜5)"
    CHOICE = "choice", "単一選択"
    TEXT = "text", "自由記述"
    CONSENT = "consent", "連絡の同意"


class SurveyPurpose(models.TextChoices):
    TRANSACTIONAL = "transactional", "取引後アンケート"
    RELATIONAL = "relational", "定期アンケート"


class TriggerEvent(models.TextChoices):
    CLAIM_CLOSED = "claim_closed", "事故対応の完了"
    NEW_CONTRACT = "new_contract", "新規契約"
    RENEWAL_DONE = "renewal_done", "更改の完了"
    CASE_CLOSED = "case_closed", "案件の完了"
    CANCELLATION_COMPLETED = "cancellation_completed", "解約の完了"
    RELATIONAL_YEARLY = "relational_yearly", "年次の定期アンケート"


class Channel(models.TextChoices):
    WEB = "web", "Web"
    POST = "post", "郵送(はがき)"
    PHONE = "phone", "電話"
    IMPORT = "import", "外部実施(取込)"


class InvitationStatus(models.TextChoices):
    SCHEDULED = "scheduled", "送付予定"
    SENT = "sent", "送付済"
    ANSWERED = "answered", "回答済"
    EXPIRED = "expired", "期限切れ"
    SUPPRESSED = "suppressed", "送付抑止"
    SAMPLED_OUT = "sampled_out", "抽出対象外"


class SuppressionReason(models.TextChoices):
    RECENT_SURVEY = "recent_survey", "直近にアンケート済"
    OPEN_COMPLAINT = "open_complaint", "苦情対応中"
    NO_CONSENT = "no_consent", "連絡の同意なし"
    OPTED_OUT = "opted_out", "アンケート辞退"
    DECEASED = "deceased", "ご逝去"
    NO_CONTACT = "no_contact", "連絡先なし"


class FollowUpReason(models.TextChoices):
    DETRACTOR = "detractor", "批判者(推奨度0〜6)"
    DRIVER = "driver", "評価の低い項目"
    CONTACT_REQUESTED = "contact_requested", "連絡の希望"


class FollowUpStatus(models.TextChoices):
    OPEN = "open", "未対応"
    DONE = "done", "対応済"
    NOT_REACHED = "not_reached", "連絡不通"
