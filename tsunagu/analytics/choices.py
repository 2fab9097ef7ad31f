from django.db import models


class ModelKind(models.TextChoices):
    CHURN = "churn", "解約・失効予測"
    NEXT_PRODUCT = "next_product", "次の商品(追加契約)予測"
    CONVERSION = "conversion", "成約予測"


class ListBasis(models.TextChoices):
    """What a target list is built around: where each customer's proposal points come from."""

    NEXT_PRODUCT = "next_product", "次の商品(モデルの理由)"
    CHURN = "churn", "解約防止(モデルの理由)"
    CAMPAIGN = "campaign", "キャンペーン(トークのポイント)"


class EntryResult(models.TextChoices):
    """An agency's or branch's activity result for one worklist entry."""

    PENDING = "pending", "未着手"
    CONTACTED = "contacted", "接触済み"
    PROPOSED = "proposed", "提案済み"
    WON = "won", "成約"
    DECLINED = "declined", "辞退"
    UNREACHABLE = "unreachable", "連絡不可"
