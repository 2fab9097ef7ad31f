from django.db import models


class VoiceKind(models.TextChoices):
    """The four kinds of the VOC register (§g); every category belongs to one."""

    PRAISE = "praise", "感謝(お褒め)"
    DISSATISFACTION = "dissatisfaction", "不満(苦情)"
    REQUEST = "request", "要望(ご意見)"
    OTHER = "other", "その他"


class VoiceChannel(models.TextChoices):
    PHONE = "phone", "電話"
    COUNTER = "counter", "窓口"
    SURVEY = "survey", "アンケート"
    LETTER = "letter", "手紙・はがき"
    WEB = "web", "Web"
    AGENCY = "agency", "代理店"
    EMAIL = "email", "メール"


class ComplaintDecision(models.TextChoices):
    """Whether a 不満 is handled as a complaint (苦情) with its own complaint case."""

    UNDECIDED = "undecided", "未判断"
    YES = "yes", "苦情として対応"
    NO = "no", "苦情ではない"


class ImprovementStatus(models.TextChoices):
    PLANNED = "planned", "計画"
    IN_PROGRESS = "in_progress", "実施中"
    DONE = "done", "完了"
