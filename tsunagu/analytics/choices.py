from django.db import models


class ModelKind(models.TextChoices):
    CHURN = "churn", "解約・失効予測"
    NEXT_PRODUCT = "next_product", "次の商品(追加契約)予測"
    CONVERSION = "conversion", "成約予測"
