"""Choices of the practice app (Japanese labels are what screens and exports show)."""

from django.db import models


class IntentKind(models.TextChoices):
    NEW = "new", "新規"
    RENEWAL = "renewal", "更改"


class ConfirmationMethod(models.TextChoices):
    PAPER = "paper", "意向確認書(書面)"
    TABLET = "tablet", "タブレット画面"
    WEB = "web", "Web画面"
    PHONE = "phone", "電話(録音)"


class ElderlyTier(models.TextChoices):
    BASIC = "basic", "基本(70歳以上)"
    ENHANCED = "enhanced", "強化(80歳以上)"


class MeasureKind(models.TextChoices):
    RELATIVE_PRESENT = "relative_present", "親族同席"
    MULTIPLE_AGENTS = "multiple_agents", "複数募集人"
    MULTIPLE_MEETINGS = "multiple_meetings", "複数回の面談"
    CONFIRMATION_CALL = "confirmation_call", "別担当者による確認電話"
    RECORDING = "recording", "録音・ビデオ面談"
    INSURER_CHECK = "insurer_check", "保険会社による確認"


class RenewalOutcome(models.TextChoices):
    PENDING = "pending", "手続中"
    RENEWED = "renewed", "更改済"
    LAPSED = "lapsed", "満期失効"
    CANCELLED = "cancelled", "解約・他社切替"


class SessionKind(models.TextChoices):
    STUDY = "study", "勉強会"
    QUALITY_MEETING = "quality_meeting", "品質向上会議"


class QualificationKind(models.TextChoices):
    BASIC_UNIT = "basic_unit", "損保一般試験 基礎単位"
    AUTO_UNIT = "auto_unit", "損保一般試験 自動車保険単位"
    FIRE_UNIT = "fire_unit", "損保一般試験 火災保険単位"
    PA_UNIT = "pa_unit", "損保一般試験 傷害疾病保険単位"
    SPECIALIST = "specialist", "損保大学課程 専門コース"
    CONSULTING = "consulting", "損保大学課程 コンサルティングコース"
    TOTAL_PLANNER = "total_planner", "損害保険トータルプランナー"
