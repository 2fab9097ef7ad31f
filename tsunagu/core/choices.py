from django.db import models


class Role(models.TextChoices):
    OPERATOR = "operator", "オペレーター"
    AGENCY_STAFF = "agency_staff", "代理店スタッフ"
    BRANCH_STAFF = "branch_staff", "営業拠点担当"
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
    # The clear text of 機微情報 shown (core.masking.SENSITIVE): written besides the read's own row,
    # naming the fields in `detail` (core.access_log_sensitive, docs/access-log.md).
    SENSITIVE = "sensitive", "機微情報の閲覧"


class AuditAction(models.TextChoices):
    """Every business action an audit event may record (core.audit.record_event accepts only
    these). The label is what screens show instead of the code. Add a member for a new action."""

    # customers
    CUSTOMER_CREATE = "customer.create", "顧客の登録"
    CUSTOMER_UPDATE = "customer.update", "顧客情報の変更"
    CUSTOMER_CHANGE_NAME = "customer.change_name", "氏名の変更"
    CUSTOMER_LINK_AGENCY = "customer.link_agency", "担当代理店の追加"
    CUSTOMER_UNLINK_AGENCY = "customer.unlink_agency", "担当代理店の解除"
    CUSTOMER_ADD_RELATIVE = "customer.add_relative", "親族の登録"
    CUSTOMER_APPLY_GOLDEN = "customer.apply_golden", "名寄せ結果の顧客情報への反映"
    # policies and claims
    POLICY_CREATE = "policy.create", "契約の登録"
    POLICY_CHANGE_STATUS = "policy.change_status", "契約状態の変更"
    POLICY_CHANGE_PAYMENT = "policy.change_payment", "払込方法の変更"
    CLAIM_REGISTER = "claim.register", "事故の受付"
    # cases
    CASE_CREATE = "case.create", "案件の登録"
    CASE_TRANSITION = "case.transition", "案件の状態変更"
    CASE_HANDOFF = "case.handoff", "案件の引き継ぎ"
    CASE_REGISTER_CLAIM = "case.register_claim", "案件からの事故受付"
    CASE_APPLY_CHANGE = "case.apply_change", "異動の反映"
    CASE_VERIFY_IDENTITY = "case.verify_identity", "本人確認"
    CASE_APPLY_CANCELLATION = "case.apply_cancellation", "解約の反映"
    CASE_OVERDUE_SNAPSHOT = "case.overdue_snapshot", "期限超過案件の記録"
    # complaints: the そんぽADR path and the report to the insurer
    CASE_ADR_REFER = "case.adr_refer", "そんぽADRセンターからの通知の記録"
    CASE_ADR_ADVANCE = "case.adr_advance", "紛争解決手続への移行"
    CASE_ADR_CONCLUDE = "case.adr_conclude", "ADR手続の終了"
    CASE_INSURER_REPORT = "case.insurer_report", "苦情の保険会社への報告"
    CASE_ADR_REMINDERS = "case.adr_reminders", "ADR・苦情報告のリマインダー作成"
    # contact history
    INTERACTION_REASSIGN = "interaction.reassign", "コンタクト履歴の顧客付け替え"
    # documents
    DOCUMENT_REISSUE_POLICY = "document.reissue_policy", "証券の再発行"
    DOCUMENT_ISSUE_DEDUCTION_CERTIFICATES = "document.issue_deduction_certificates", "控除証明書の発行"
    DOCUMENT_REISSUE_DEDUCTION_CERTIFICATE = "document.reissue_deduction_certificate", "控除証明書の再発行"
    DOCUMENT_CORRECT_DEDUCTION_CERTIFICATE = "document.correct_deduction_certificate", "控除証明書の訂正"
    DOCUMENT_CERTIFICATE_BATCH_START = "document.certificate_batch_start", "控除証明書バッチの開始"
    DOCUMENT_CERTIFICATE_BATCH_COMPLETE = "document.certificate_batch_complete", "控除証明書バッチの完了"
    DOCUMENT_ISSUE_CONTRACT_NOTICE = "document.issue_contract_notice", "契約内容のお知らせの発行"
    DOCUMENT_CONTRACT_NOTICE_BATCH_START = "document.contract_notice_batch_start", "契約内容のお知らせバッチの開始"
    DOCUMENT_CONTRACT_NOTICE_BATCH_COMPLETE = (
        "document.contract_notice_batch_complete",
        "契約内容のお知らせバッチの完了",
    )
    DOCUMENT_RECORD_NOTICE_REPLY = "document.record_notice_reply", "お知らせへの回答の記録"
    DOCUMENT_BATCH_ENQUEUE = "document.batch_enqueue", "帳票作成の予約"
    DOCUMENT_CREATE_DOWNLOAD_LINK = "document.create_download_link", "ダウンロードリンクの発行"
    # identity resolution (名寄せ)
    IDENTITY_SOURCE_REGISTER = "identity.source_register", "ソースシステムの登録"
    IDENTITY_SOURCE_UPDATE = "identity.source_update", "ソースシステムの変更"
    IDENTITY_PROFILE_SAVE = "identity.profile_save", "列マッピングの保存"
    IDENTITY_IMPORT = "identity.import", "ソースレコードの取込"
    IDENTITY_MODEL_TRAIN = "identity.model_train", "照合モデルの学習"
    IDENTITY_RUN_START = "identity.run_start", "名寄せ全件照合の開始"
    IDENTITY_PAIR_LINK = "identity.pair_link", "名寄せ候補を同一人と判定"
    IDENTITY_PAIR_NOT_LINK = "identity.pair_not_link", "名寄せ候補を別人と判定"
    IDENTITY_PAIR_RELATED = "identity.pair_related", "関連候補を関連として登録"
    IDENTITY_PAIR_UNRELATED = "identity.pair_unrelated", "関連候補を関連なしと判定"
    IDENTITY_RELATION_END = "identity.relation_end", "顧客の関連(法人と代表者)を解除"
    IDENTITY_RECORD_DETACH = "identity.record_detach", "ソースレコードの切り離し"
    IDENTITY_MERGE = "identity.merge", "顧客の統合(統合先)"
    IDENTITY_MERGED_INTO = "identity.merged_into", "顧客の統合(統合元)"
    IDENTITY_UNMERGE = "identity.unmerge", "顧客の統合解除(統合先)"
    IDENTITY_UNMERGED = "identity.unmerged", "顧客の統合解除(統合元)"
    # analytics (予測モデル)
    ANALYTICS_MODEL_TRAIN = "analytics.model_train", "予測モデルの学習"
    ANALYTICS_MODEL_ACTIVATE = "analytics.model_activate", "予測モデルの有効化"
    ANALYTICS_SCORE = "analytics.score", "予測スコアの採点"
    ANALYTICS_TARGET_LIST_CREATE = "analytics.target_list_create", "ターゲットリストの作成"
    ANALYTICS_TARGET_RESULTS_IMPORT = "analytics.target_results_import", "ターゲットリストの結果の取込"
    # surveys (definitions, answers, imports)
    SURVEY_CREATE = "survey.create", "アンケートの作成"
    SURVEY_UPDATE = "survey.update", "アンケートの変更"
    SURVEY_NEW_VERSION = "survey.new_version", "アンケートの新しい版の作成"
    SURVEY_SET_ACTIVE = "survey.set_active", "アンケートの実施・停止"
    SURVEY_RECORD_RESPONSES = "survey.record_responses", "アンケート回答の登録"
    SURVEY_ISSUE_TOKEN = "survey.issue_token", "アンケート回答URLの発行"
    SURVEY_OPT_OUT = "survey.opt_out", "アンケート辞退の記録"
    SURVEY_OPT_IN = "survey.opt_in", "アンケート辞退の取消"
    SURVEY_IMPORT_START = "survey.import_start", "アンケート結果の取込開始"
    SURVEY_IMPORT_COMPLETE = "survey.import_complete", "アンケート結果の取込完了"
    # お客様の声 (voice)
    VOICE_RECORD = "voice.record", "お客様の声の記録"
    VOICE_UPDATE = "voice.update", "お客様の声の修正"
    VOICE_COMPLAINT_DECISION = "voice.complaint_decision", "お客様の声の苦情判断"
    VOICE_CIRCULATION_CREATE = "voice.circulation_create", "回覧の作成"
    VOICE_CIRCULATION_READ = "voice.circulation_read", "回覧の確認"
    VOICE_IMPROVEMENT_CREATE = "voice.improvement_create", "改善の登録"
    VOICE_IMPROVEMENT_UPDATE = "voice.improvement_update", "改善の更新"
    # 募集品質 (practice, issue 13)
    PRACTICE_INTENT_SAVE = "practice.intent_save", "意向把握の記録"
    PRACTICE_INTENT_DOUBLE_CHECK = "practice.intent_double_check", "意向把握のダブルチェック"
    PRACTICE_ELDERLY_START = "practice.elderly_start", "高齢者対応の開始"
    PRACTICE_ELDERLY_MEASURE = "practice.elderly_measure", "高齢者対応の実施記録"
    PRACTICE_RENEWAL_UPDATE = "practice.renewal_update", "満期管理の更新"
    PRACTICE_TRAINING_RECORD = "practice.training_record", "研修記録の登録"
    # KPI pack (issue 13)
    KPI_TARGET_SAVE = "kpis.target_save", "KPI目標の設定"
    KPI_REPORT_SAVE = "kpis.report_save", "取組状況の編集"
    KPI_REPORT_PUBLISH = "kpis.report_publish", "取組状況の公表"
    KPI_REBUILD = "kpis.rebuild", "KPI月次集計の再集計"
    # survey invitations and follow-ups
    SURVEY_TRIGGER_SAVE = "survey.trigger_save", "送付ルールの登録・変更"
    SURVEY_INVITATIONS_PLAN = "survey.invitations_plan", "アンケート送付の計画"
    SURVEY_INVITATIONS_SEND = "survey.invitations_send", "アンケートの送付"
    SURVEY_INVITATIONS_EXPIRE = "survey.invitations_expire", "アンケートの回答期限切れ"
    SURVEY_FOLLOW_UPS_OPEN = "survey.follow_ups_open", "アンケートのフォローアップ起票"
    SURVEY_FOLLOW_UP_CLOSE = "survey.follow_up_close", "アンケートのフォローアップ完了"
    # users and access
    USER_CREATE = "user.create", "ユーザーの登録"
    API_TOKEN_CREATE = "api_token.create", "APIトークンの発行"
    # compliance monitoring (コンプライアンス)
    COMPLIANCE_RULE_SETTING_SAVE = "compliance.rule_setting_save", "監視ルールの閾値の変更"
    COMPLIANCE_RULE_RUN = "compliance.rule_run", "アクセス監視ルールの実行"
    COMPLIANCE_ALERT_ASSIGN = "compliance.alert_assign", "アラートの担当者割当"
    COMPLIANCE_ALERT_ASK_REASON = "compliance.alert_ask_reason", "上長への業務上の理由の照会"
    COMPLIANCE_REASON_ANSWER = "compliance.reason_answer", "業務上の理由の回答"
    COMPLIANCE_ALERT_CONCLUDE = "compliance.alert_conclude", "アラートの結論"
    COMPLIANCE_REPORT_EXPORT = "compliance.report_export", "監査レポートの出力"
    COMPLIANCE_REVIEW_OPEN = "compliance.review_open", "アクセス権レビューの開始"
    COMPLIANCE_REVIEW_CONFIRM = "compliance.review_confirm", "アクセス権の確認"
    COMPLIANCE_REVIEW_REVOKE = "compliance.review_revoke", "アクセス権(ロール)の取消"
    COMPLIANCE_REVIEW_CLOSE = "compliance.review_close", "アクセス権レビューの締切"
    COMPLIANCE_BREACH_OPEN = "compliance.breach_open", "漏えい等事案の登録"
    COMPLIANCE_BREACH_UPDATE = "compliance.breach_update", "漏えい等事案の更新"
    COMPLIANCE_BREACH_AFFECTED = "compliance.breach_affected", "漏えい等の対象者の特定"
    COMPLIANCE_BREACH_REPORT = "compliance.breach_report", "漏えい等の報告(速報・確報)"
    COMPLIANCE_BREACH_NOTIFY = "compliance.breach_notify", "漏えい等の本人通知"
    COMPLIANCE_BREACH_CLOSE = "compliance.breach_close", "漏えい等事案の完了"
    COMPLIANCE_DSR_RECEIVE = "compliance.dsr_receive", "開示等の請求の受付"
    COMPLIANCE_DSR_VERIFY = "compliance.dsr_verify", "開示等の請求の本人確認"
    COMPLIANCE_DSR_EXPORT = "compliance.dsr_export", "開示する保有個人データの出力"
    COMPLIANCE_DSR_COMPLETE = "compliance.dsr_complete", "開示等の請求への回答"
    COMPLIANCE_DSR_WITHDRAW = "compliance.dsr_withdraw", "開示等の請求の取下げ"
    COMPLIANCE_CONTRACTOR_SAVE = "compliance.contractor_save", "委託先の登録・変更"
    COMPLIANCE_CONTRACTOR_AGREEMENT = "compliance.contractor_agreement", "委託契約の登録"
    COMPLIANCE_CONTRACTOR_AUDIT = "compliance.contractor_audit", "委託先の監査結果の記録"
    COMPLIANCE_CONTRACTOR_FOLLOW_UP = "compliance.contractor_follow_up", "委託先の是正の確認"
    COMPLIANCE_INTERNAL_AUDIT_PLAN = "compliance.internal_audit_plan", "内部監査の計画"
    COMPLIANCE_INTERNAL_AUDIT_ANSWER = "compliance.internal_audit_answer", "内部監査のチェック結果の記録"
    COMPLIANCE_INTERNAL_AUDIT_FINDING = "compliance.internal_audit_finding", "内部監査の指摘事項の記録"
    COMPLIANCE_INTERNAL_AUDIT_REPORT = "compliance.internal_audit_report", "内部監査の報告"
    COMPLIANCE_INTERNAL_AUDIT_CLOSE = "compliance.internal_audit_close", "内部監査の完了"
    COMPLIANCE_RETENTION_PERIOD = "compliance.retention_period", "保存期間の設定"
    COMPLIANCE_LEGAL_HOLD_PLACE = "compliance.legal_hold_place", "リーガルホールドの設定"
    COMPLIANCE_LEGAL_HOLD_RELEASE = "compliance.legal_hold_release", "リーガルホールドの解除"
    COMPLIANCE_RETENTION_RUN = "compliance.retention_run", "保存期間満了データの匿名化・削除"
    COMPLIANCE_DSR_REMIND = "compliance.dsr_remind", "開示等の請求の期限リマインダー"
    # demo
    DEMO_LOAD = "demo.load", "デモデータの投入"


class EmploymentStatus(models.TextChoices):
    """Where a member of staff stands; anything but ACTIVE means their account should be dormant."""

    ACTIVE = "active", "在籍"
    LEFT = "left", "退職"
    MOVED = "moved", "異動"
    SECONDED = "seconded", "出向"
