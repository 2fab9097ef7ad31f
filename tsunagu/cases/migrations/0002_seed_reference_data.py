"""Seed the editable reference data (routing/SLA, required documents, complaint categories,
retention guidance, starter FAQ). Edit afterwards in the admin; this runs once."""

from django.db import migrations

RULES = [
    # (case_type, sub_type, SLA business days, queue department kind)
    ("change", "", 5, "policy_admin"),
    ("accident", "", 1, "claims"),
    ("policy_reissue", "", 5, "policy_admin"),
    ("certificate_reissue", "", 3, "policy_admin"),
    ("inquiry", "", 2, "call_center"),
    ("complaint", "", 10, "customer_relations"),
    ("cancellation", "", 5, "policy_admin"),
]

DOCUMENTS = [
    ("change", "address", ["異動届"]),
    ("change", "name", ["異動届", "戸籍抄本等(氏名変更の確認書類)"]),
    ("change", "vehicle", ["異動届", "車検証の写し"]),
    ("change", "coverage", ["異動届"]),
    ("change", "payment", ["口座振替依頼書"]),
    ("change", "other", ["異動届"]),
    ("policy_reissue", "", ["再発行請求書", "本人確認書類"]),
    ("certificate_reissue", "", ["再発行請求書"]),
    ("cancellation", "", ["解約請求書"]),
    ("accident", "", []),
]

COMPLAINT_CATEGORIES = [
    ("C1", "契約・募集行為", ["説明不足", "接客態度", "事務ミス"]),
    ("C2", "契約の管理・保全・集金", ["手続遅延", "事務ミス", "解約手続"]),
    ("C3", "保険金支払", ["支払可否", "支払額", "対応スピード"]),
    ("C4", "個人情報", ["漏えい"]),
    ("C9", "その他", ["その他"]),
]

GUIDANCE = [
    # (reason, line, title, talk points, offers)
    (
        "sold",
        "auto",
        "車を手放す・乗り換えないお客さま",
        "解約日の翌日から7日を過ぎると現在のノンフリート等級は引き継げなくなります。\n"
        "中断証明書を取得すれば等級を最長10年間保存できます(解約・満期日から原則13か月以内に請求。"
        "次契約の等級が7〜20等級の場合に限ります)。\n"
        "車を買い替える予定があれば、解約ではなく車両入替で等級と事故有係数適用期間をそのまま引き継げます。",
        "中断証明書の発行手続\n車両入替のお見積り\n再開時のご連絡(ご希望の場合のみ)",
    ),
    ("sold", "", "物件の売却・不要になったお客さま", "補償が不要になった時点からの解約で、未経過期間の保険料は所定の方法で返戻されます。", "解約手続のご案内"),
    (
        "switch",
        "auto",
        "他社への乗換えをご検討のお客さま",
        "等級は他社へも引き継がれます(解約・満期日の翌日から7日以内に始まる契約)。\n"
        "補償内容・保険金額・事故対応体制を同じ条件で比べていただくようご案内します。\n"
        "1〜5等級の場合、乗換えや一時的な未加入でも13か月間は等級が引き継がれます。",
        "現在の補償の見直しによるお見積り\n運転者の範囲・年齢条件の確認\n払込方法の変更(年払等)",
    ),
    (
        "premium_burden",
        "",
        "保険料のご負担が大きいお客さま",
        "補償の見直しで保険料を下げられる場合があります。適用できる割引がないか確認します。",
        "補償の見直しで保険料を下げる\n払込方法の変更\n割引の確認",
    ),
    (
        "premium_burden",
        "auto",
        "自動車保険の保険料のご負担",
        "運転者の範囲・年齢条件、車両保険の免責金額やタイプの見直しで保険料が下がる場合があります。\n"
        "1〜5等級の場合、解約しても13か月間は等級が引き継がれるため、解約で保険料が下がるとは限りません。",
        "運転者限定・年齢条件の見直し\n車両保険の免責金額・タイプの見直し\n払込方法の変更",
    ),
    (
        "duplicate",
        "",
        "補償の重複・過剰",
        "他の契約(火災保険の特約、クレジットカード付帯等)と重複している補償を確認します。",
        "重複している特約の解約(契約は継続)\n補償内容の整理",
    ),
    (
        "dissatisfied",
        "",
        "補償・効果にご不満",
        "ご不満の内容を伺い、補償内容の誤解があれば正確にご説明します。"
        "事故対応へのご不満は苦情として別途受け付けます。",
        "補償内容の再説明\n苦情としての受付(ご希望の場合)",
    ),
    ("other", "", "その他の理由", "解約のご意向を尊重し、必要な手続と返戻金の扱いを正確にご案内します。", "解約手続のご案内"),
]

ARTICLES = [
    (
        "住所が変わったときの手続は？",
        "異動届をご提出ください。コールセンターまたは代理店で受け付けます。自動車保険は車検証の住所変更も必要です。",
        "change",
        "転居 引越し 住所変更 異動",
    ),
    (
        "保険証券を紛失したときは？",
        "本人確認のうえ再発行します。再発行請求書と本人確認書類をご用意ください。",
        "contract",
        "証券 紛失 再発行",
    ),
    (
        "地震保険料控除証明書の再発行",
        "本人確認のうえ再発行します。年末調整に間に合うよう、お早めにご依頼ください。",
        "premium",
        "控除証明書 年末調整 確定申告 地震保険",
    ),
    (
        "事故にあったときの連絡先",
        "事故受付センターへ24時間365日ご連絡いただけます。けが人の救護と警察への届出を優先してください。",
        "claim",
        "事故 連絡 受付 警察",
    ),
    (
        "保険料の支払方法を変更したい",
        "口座振替依頼書のご提出で変更できます。クレジットカード払いへの変更も可能です。",
        "premium",
        "口座 支払方法 クレジットカード 振替",
    ),
]


def seed(apps, schema_editor):
    from tsunagu.core.normalize import name_key

    Rule = apps.get_model("cases", "CaseTypeRule")
    Document = apps.get_model("cases", "RequiredDocument")
    Category = apps.get_model("cases", "ComplaintCategory")
    Guidance = apps.get_model("cases", "RetentionGuidance")
    Article = apps.get_model("cases", "KnowledgeArticle")
    for case_type, sub_type, days, kind in RULES:
        Rule.objects.get_or_create(
            case_type=case_type, sub_type=sub_type, defaults={"sla_business_days": days, "queue_kind": kind}
        )
    for case_type, sub_type, names in DOCUMENTS:
        for order, name in enumerate(names):
            Document.objects.get_or_create(case_type=case_type, sub_type=sub_type, name=name, defaults={"order": order})
    for order, (code, name, children) in enumerate(COMPLAINT_CATEGORIES):
        parent, _ = Category.objects.get_or_create(code=code, defaults={"name": name, "order": order})
        for index, child in enumerate(children):
            Category.objects.get_or_create(
                code=f"{code}-{index + 1:02d}", defaults={"name": child, "parent": parent, "order": index}
            )
    for order, (reason, line, title, talk, offers) in enumerate(GUIDANCE):
        Guidance.objects.get_or_create(
            reason=reason, line=line, title=title, defaults={"talk_points": talk, "offers": offers, "order": order}
        )
    for title, body, category, keywords in ARTICLES:
        Article.objects.get_or_create(
            title=title,
            defaults={
                "body": body,
                "category": category,
                "keywords": keywords,
                "search_key": name_key(f"{title} {keywords} {body}").lower(),
            },
        )


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
