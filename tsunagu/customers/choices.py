from django.db import models


class CustomerKind(models.TextChoices):
    INDIVIDUAL = "individual", "個人"
    CORPORATE = "corporate", "法人"


class Gender(models.TextChoices):
    MALE = "male", "男性"
    FEMALE = "female", "女性"
    OTHER = "other", "その他"


class ContactChannel(models.TextChoices):
    PHONE = "phone", "電話"
    EMAIL = "email", "メール"
    POST = "post", "郵送"
    SMS = "sms", "SMS"
    WEB = "web", "Web"
    IN_PERSON = "in_person", "対面"


class AddressKind(models.TextChoices):
    HOME = "home", "自宅"
    WORK = "work", "勤務先"
    BILLING = "billing", "送付先"
    HEAD_OFFICE = "head_office", "本店・本社"
    OTHER = "other", "その他"
    FORMER = "former", "旧住所"  # the primary address a move (異動 住所変更) replaced


class PhoneKind(models.TextChoices):
    HOME = "home", "自宅"
    MOBILE = "mobile", "携帯"
    WORK = "work", "勤務先"
    FAX = "fax", "FAX"
    OTHER = "other", "その他"


class EmailKind(models.TextChoices):
    PERSONAL = "personal", "個人"
    WORK = "work", "勤務先"
    OTHER = "other", "その他"


class Relation(models.TextChoices):
    SPOUSE = "spouse", "配偶者"
    CHILD = "child", "子"
    PARENT = "parent", "親"
    SIBLING = "sibling", "兄弟姉妹"
    GRANDCHILD = "grandchild", "孫"
    OTHER = "other", "その他の親族"


class NameChangeReason(models.TextChoices):
    MARRIAGE = "marriage", "婚姻"
    DIVORCE = "divorce", "離婚"
    ADOPTION = "adoption", "養子縁組"
    CORPORATE_RENAME = "corporate_rename", "商号変更"
    CORRECTION = "correction", "誤記訂正"
    OTHER = "other", "その他"


class KanaSource(models.TextChoices):
    SELF_DECLARED = "self", "自己申告"
    ID_DOCUMENT = "id_document", "本人確認書類"
    FAMILY_REGISTER = "koseki", "戸籍記載の振り仮名"


PREFECTURES = [
    "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県", "茨城県", "栃木県",
    "群馬県", "埼玉県", "千葉県", "東京都", "神奈川県", "新潟県", "富山県", "石川県", "福井県",
    "山梨県", "長野県", "岐阜県", "静岡県", "愛知県", "三重県", "滋賀県", "京都府", "大阪府",
    "兵庫県", "奈良県", "和歌山県", "鳥取県", "島根県", "岡山県", "広島県", "山口県", "徳島県",
    "香川県", "愛媛県", "高知県", "福岡県", "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県",
    "鹿児島県", "沖縄県",
]  # fmt: skip
PREFECTURE_CHOICES = [(p, p) for p in PREFECTURES]
