"""The Japanese names of the customer features and how a reason reads (templates for
`modeling.reasons`; `{value}` is the customer's value, `zero` the text for 0, "" = not a reason then).
Pure data: stored in each model file so old models keep their wording."""

from __future__ import annotations

FEATURE_LABELS: dict[str, dict[str, str]] = {
    # Missing age is no reason: a company has no birth date by nature.
    "age": {"name": "年齢", "text": "年齢 {value}歳", "missing": ""},
    "customer_kind": {"name": "顧客区分", "text": "{value}のお客さま"},
    "gender": {"name": "性別", "text": "性別: {value}"},
    "tenure_years": {"name": "取引年数", "text": "取引年数 {value:.1f}年"},
    "policies_in_force": {"name": "有効契約数", "text": "有効契約 {value}件"},
    "lines_in_force": {"name": "保有種目数", "text": "保有種目 {value}種目"},
    "has_auto": {"name": "自動車保険あり", "text": "自動車保険あり", "zero": "自動車保険なし"},
    "has_fire": {"name": "火災保険あり", "text": "火災保険あり", "zero": "火災保険なし"},
    "has_earthquake": {"name": "地震保険あり", "text": "地震保険あり", "zero": "地震保険なし"},
    "has_personal_accident": {"name": "傷害保険あり", "text": "傷害保険あり", "zero": "傷害保険なし"},
    "has_liability": {"name": "賠償責任保険あり", "text": "賠償責任保険あり", "zero": "賠償責任保険なし"},
    "annual_premium": {"name": "年間保険料(合計)", "text": "年間保険料 {value:,.0f}円"},
    "premium_change": {
        "name": "更新時の保険料変化",
        "text": "更新時の保険料上昇 {value:+.0%}",
        "negative": "更新時の保険料引下げ {value:+.0%}",
        "zero": "更新時の保険料据え置き",
    },
    "renewals": {"name": "更新回数", "text": "更新 {value}回", "zero": "更新実績なし(初年度)"},
    "days_to_expiry": {"name": "満期までの日数", "text": "満期まで {value}日"},
    "payment_method": {"name": "払込方法", "text": "払込方法: {value}"},
    "payment_frequency": {"name": "払込回数", "text": "払込回数: {value}"},
    "sales_channel": {"name": "販売チャネル", "text": "販売チャネル: {value}"},
    "face_to_face": {"name": "対面募集", "text": "対面募集", "zero": "非対面募集"},
    "nonfleet_grade": {"name": "ノンフリート等級", "text": "ノンフリート等級 {value}等級"},
    "accident_coefficient_years": {"name": "事故有係数適用期間", "text": "事故有係数適用期間 {value}年", "zero": ""},
    "ended_policies_12m": {"name": "直近12か月の解約・失効", "text": "直近12か月に解約・失効 {value}件", "zero": ""},
    "claims_12m": {"name": "直近12か月の事故", "text": "直近12か月に事故 {value}件", "zero": "直近12か月の事故なし"},
    "claims_36m": {"name": "直近3年の事故", "text": "直近3年に事故 {value}件", "zero": "直近3年の事故なし"},
    "open_claims": {"name": "対応中の事故", "text": "対応中の事故あり", "zero": ""},
    "contacts_6m": {
        "name": "直近6か月のコンタクト",
        "text": "直近6か月のコンタクト {value}回",
        "zero": "直近6か月のコンタクトなし",
    },
    "inbound_contacts_6m": {"name": "直近6か月の入電等", "text": "直近6か月にお客さまから {value}回", "zero": ""},
    "days_since_contact": {
        "name": "最終コンタクトからの日数",
        "text": "最終コンタクトから {value}日",
        "missing": "コンタクト履歴なし",
    },
    "complaints_6m": {"name": "直近6か月の苦情", "text": "直近6か月に苦情あり", "zero": ""},
    "complaints_24m": {"name": "直近2年の苦情", "text": "直近2年に苦情 {value}件", "zero": ""},
    "cancellation_requests_12m": {"name": "直近12か月の解約申出", "text": "直近12か月に解約申出あり", "zero": ""},
    "inquiries_12m": {"name": "直近12か月の問い合わせ", "text": "直近12か月に問い合わせ {value}件", "zero": ""},
    "moved_12m": {"name": "直近12か月の転居", "text": "直近12か月に転居(住所変更)", "zero": ""},
    "name_change_12m": {"name": "直近12か月の氏名変更", "text": "直近12か月に氏名変更(ご結婚等)", "zero": ""},
    "vehicle_change_12m": {"name": "直近12か月の車両入替", "text": "直近12か月に車両入替(新しいお車)", "zero": ""},
    "nps_last": {"name": "直近のアンケートの推奨度", "text": "アンケートの推奨度 {value}点(直近)", "missing": ""},
    "detractor_12m": {
        "name": "直近12か月の推奨度6点以下の回答",
        "text": "直近12か月のアンケートで推奨度6点以下",
        "zero": "",
    },
    "dissatisfied_voices_12m": {"name": "直近12か月の不満の声", "text": "直近12か月に不満の声 {value}件", "zero": ""},
    "praise_voices_12m": {"name": "直近12か月の感謝の声", "text": "直近12か月に感謝の声 {value}件", "zero": ""},
    "candidate_line": {"name": "提案する種目", "text": "提案する種目: {value}"},
}
