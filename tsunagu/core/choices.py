from django.db import models


class Role(models.TextChoices):
    OPERATOR = "operator", "オペレーター"
    AGENCY_STAFF = "agency_staff", "代理店スタッフ"
    CLAIMS_HANDLER = "claims_handler", "損害サービス担当"
    COMPLAINTS_OFFICER = "complaints_officer", "苦情対応担当"
    DATA_STEWARD = "data_steward", "データスチュワード"
    ANALYST = "analyst", "アナリスト"
    COMPLIANCE_AUDITOR = "compliance_auditor", "コンプライアンス監査"
    ADMIN = "admin", "システム管理者"


class DepartmentKind(models.TextChoices):
    CUSTOMER_RELATIONS = "customer_relations", "お客様相談室"
    CALL_CENTER = "call_center", "コールセンター"
    CLAIMS = "claims", "損害サービス"
    POLICY_ADMIN = "policy_admin", "契約管理"
    CRM = "crm", "CRM"
    COMPLIANCE = "compliance", "コンプライアンス"
    OTHER = "other", "その他"


class AccessPurpose(models.TextChoices):
    VIEW = "view", "顧客情報の閲覧"
    SEARCH = "search", "顧客検索"
    LIST = "list", "一覧表示"
    EXPORT = "export", "エクスポート"
    API = "api", "API"
    COMMAND = "command", "コマンド"
    ADMIN = "admin", "管理画面"
