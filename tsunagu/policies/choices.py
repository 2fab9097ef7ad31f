from django.db import models


class LineOfBusiness(models.TextChoices):
    AUTO = "auto", "自動車"
    FIRE = "fire", "火災"
    EARTHQUAKE = "earthquake", "地震"
    PERSONAL_ACCIDENT = "personal_accident", "傷害"
    LIABILITY = "liability", "賠償責任"
    OTHER = "other", "その他"


class PolicyStatus(models.TextChoices):
    IN_FORCE = "in_force", "有効"
    MATURED = "matured", "満期"
    CANCELLED = "cancelled", "解約"
    LAPSED = "lapsed", "失効"
    VOIDED = "voided", "取消"


class RefundMethod(models.TextChoices):
    """How the unexpired premium is returned on cancellation (refund.py; shared/domain §e.2)."""

    SHORT_RATE = "short_rate", "短期率"
    MONTHLY = "monthly", "月割"


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", "口座振替"
    CREDIT_CARD = "credit_card", "クレジットカード"
    PAYMENT_SLIP = "payment_slip", "払込票"
    # 団体扱(給与天引): the employer collects the premium; no deduction certificate (§a.1).
    PAYROLL = "payroll", "団体扱(給与天引)"


class PaymentFrequency(models.TextChoices):
    LUMP_SUM = "lump_sum", "一時払"
    ANNUAL = "annual", "年払"
    MONTHLY = "monthly", "月払"


class SalesChannel(models.TextChoices):
    AGENCY = "agency", "代理店"
    DIRECT = "direct", "ダイレクト"


class InsuredRelation(models.TextChoices):
    SELF = "self", "本人"
    SPOUSE = "spouse", "配偶者"
    CHILD = "child", "子"
    FAMILY = "family", "その他親族"
    EMPLOYEE = "employee", "従業員"
    OTHER = "other", "その他"


class StructureClass(models.TextChoices):
    M = "M", "M構造"
    T = "T", "T構造"
    H = "H", "H構造"


class BuildingUse(models.TextChoices):
    DWELLING = "dwelling", "住宅"
    MIXED = "mixed", "併用住宅"
    GENERAL = "general", "一般物件"


class InsuredObject(models.TextChoices):
    BUILDING = "building", "建物"
    CONTENTS = "contents", "家財"
    BOTH = "both", "建物及び家財"


class ClaimStatus(models.TextChoices):
    REPORTED = "reported", "受付"
    INVESTIGATING = "investigating", "調査中"
    PAID = "paid", "支払済"
    DENIED = "denied", "支払対象外"
    WITHDRAWN = "withdrawn", "取下げ"


CLOSED_CLAIM_STATUSES = (ClaimStatus.PAID, ClaimStatus.DENIED, ClaimStatus.WITHDRAWN)


class ReportChannel(models.TextChoices):
    AGENCY = "agency", "代理店"
    CALL_CENTER = "call_center", "コールセンター"
    WEB = "web", "Web"
