from django.db import models


class DocumentType(models.TextChoices):
    POLICY = "policy", "保険証券"
    DEDUCTION_CERTIFICATE = "deduction_certificate", "地震保険料控除証明書"
    CONTRACT_NOTICE = "contract_notice", "契約内容のお知らせ"


class DeliveryChannel(models.TextChoices):
    POST = "post", "郵送"
    ELECTRONIC = "electronic", "電子"


class DocumentStatus(models.TextChoices):
    ISSUED = "issued", "発行済"
    SUPERSEDED = "superseded", "差替済"


class CertificateCategory(models.TextChoices):
    EARTHQUAKE = "earthquake", "地震"
    OLD_LONG_TERM = "old_long_term", "旧長期"


class CertificateStatus(models.TextChoices):
    ISSUED = "issued", "発行済"
    EXCLUDED = "excluded", "対象外"
    NEEDS_CORRECTION = "needs_correction", "要訂正"
    SUPERSEDED = "superseded", "差替済"


class CertificatePaymentMode(models.TextChoices):
    """払込方法 as printed and as coded in TEG810 WDE00150 (1 年払, 2 一時払, 3 月払, 4 半年払, 5 その他)."""

    ANNUAL = "1", "年払"
    LUMP_SUM = "2", "一時払"
    MONTHLY = "3", "月払"
    HALF_YEARLY = "4", "半年払"
    OTHER = "5", "その他"


class BatchStatus(models.TextChoices):
    RUNNING = "running", "実行中"
    COMPLETED = "completed", "完了"
    FAILED = "failed", "中断"
