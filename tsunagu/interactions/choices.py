from django.db import models


class Channel(models.TextChoices):
    PHONE = "phone", "電話"
    EMAIL = "email", "メール"
    CHAT = "chat", "チャット"
    WEB = "web", "Web"
    IN_PERSON = "in_person", "対面"
    POST = "post", "郵送"
    FAX = "fax", "FAX"


class Direction(models.TextChoices):
    INBOUND = "inbound", "受信"
    OUTBOUND = "outbound", "発信"
