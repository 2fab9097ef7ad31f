"""What the demo insurer sells and what happens around it: products, coverages, cars, accidents,
contact topics, company names. Fixed data; the generator draws from it with its seeded Random.
"""

from __future__ import annotations

from dataclasses import dataclass

from tsunagu.interactions.choices import Channel
from tsunagu.policies.choices import LineOfBusiness


@dataclass(frozen=True)
class ProductSpec:
    code: str
    name: str
    line: str
    individual_weight: float
    corporate_weight: float
    terms: tuple[int, ...]  # insurance period options in years
    maturity_refund: bool = False
    old_long_term: bool = False  # only sold before 2007 (旧長期); drawn separately


AUTO, FIRE, QUAKE = LineOfBusiness.AUTO.value, LineOfBusiness.FIRE.value, LineOfBusiness.EARTHQUAKE.value
PA, LIAB, OTHER = LineOfBusiness.PERSONAL_ACCIDENT.value, LineOfBusiness.LIABILITY.value, LineOfBusiness.OTHER.value

PRODUCTS: tuple[ProductSpec, ...] = (
    ProductSpec("AU01", "個人用自動車保険", AUTO, 0.72, 0.0, (1,)),
    ProductSpec("AU02", "総合自動車保険", AUTO, 0.20, 0.30, (1, 1, 1, 3)),
    ProductSpec("AU03", "一般自動車保険(事業用)", AUTO, 0.0, 0.70, (1,)),
    ProductSpec("AU04", "二輪自動車保険", AUTO, 0.08, 0.0, (1,)),
    ProductSpec("FI01", "すまいの総合保険", FIRE, 0.60, 0.0, (1, 1, 2, 3, 5, 5)),
    ProductSpec("FI02", "住宅火災保険", FIRE, 0.25, 0.0, (1, 5, 10)),
    ProductSpec("FI03", "団地保険", FIRE, 0.05, 0.0, (1,)),
    ProductSpec("FI04", "店舗総合保険", FIRE, 0.10, 0.45, (1,)),
    ProductSpec("FI05", "普通火災保険(一般物件)", FIRE, 0.0, 0.55, (1, 1, 3)),
    ProductSpec("EQ01", "地震保険", QUAKE, 1.0, 0.0, (1, 1, 5)),
    ProductSpec("PA01", "普通傷害保険", PA, 0.40, 0.0, (1,)),
    ProductSpec("PA02", "家族傷害保険", PA, 0.30, 0.0, (1,)),
    ProductSpec("PA03", "交通事故傷害保険", PA, 0.20, 0.0, (1,)),
    ProductSpec("PA04", "業務災害補償保険", PA, 0.0, 1.0, (1,)),
    ProductSpec("PA05", "国内旅行傷害保険", PA, 0.10, 0.0, (1,)),
    ProductSpec("LI01", "個人賠償責任保険", LIAB, 0.50, 0.0, (1,)),
    ProductSpec("LI02", "自転車保険", LIAB, 0.50, 0.0, (1,)),
    ProductSpec("LI03", "施設賠償責任保険", LIAB, 0.0, 0.60, (1,)),
    ProductSpec("LI04", "生産物賠償責任保険", LIAB, 0.0, 0.40, (1,)),
    ProductSpec("OT01", "ペット保険", OTHER, 0.35, 0.0, (1,)),
    ProductSpec("OT02", "ゴルファー保険", OTHER, 0.25, 0.0, (1,)),
    ProductSpec("OT03", "所得補償保険", OTHER, 0.20, 0.0, (1,)),
    ProductSpec("OT04", "医療保険", OTHER, 0.20, 0.0, (1,)),
    ProductSpec("OT05", "動産総合保険", OTHER, 0.0, 1.0, (1,)),
    # Old long-term savings-type contracts (積立型, 満期返戻金あり), sold until 2006.
    ProductSpec("LT01", "積立火災保険", FIRE, 0.0, 0.0, (10, 15, 20), maturity_refund=True, old_long_term=True),
    ProductSpec("LT02", "長期総合保険", FIRE, 0.0, 0.0, (10, 20, 30), maturity_refund=True, old_long_term=True),
    ProductSpec("LT03", "積立傷害保険", PA, 0.0, 0.0, (10, 15, 20), maturity_refund=True, old_long_term=True),
)

# Share of policies per line for individuals and corporations.
LINE_WEIGHTS_INDIVIDUAL: tuple[tuple[str, float], ...] = (
    (AUTO, 0.38),
    (FIRE, 0.25),
    (QUAKE, 0.04),
    (PA, 0.15),
    (LIAB, 0.08),
    (OTHER, 0.10),
)
LINE_WEIGHTS_CORPORATE: tuple[tuple[str, float], ...] = (
    (AUTO, 0.40),
    (FIRE, 0.30),
    (PA, 0.06),
    (LIAB, 0.17),
    (OTHER, 0.07),
)

# Annual premium ranges in yen per line (individual); corporations pay more.
PREMIUM_RANGES: dict[str, tuple[int, int]] = {
    AUTO: (38_000, 120_000),
    FIRE: (12_000, 70_000),
    QUAKE: (10_000, 48_000),
    PA: (6_000, 36_000),
    LIAB: (1_800, 9_000),
    OTHER: (12_000, 60_000),
}
CORPORATE_PREMIUM_FACTOR = 2.5

# Claim probability per policy, by line (overall about 10%).
CLAIM_RATES: dict[str, float] = {AUTO: 0.15, FIRE: 0.07, QUAKE: 0.05, PA: 0.08, LIAB: 0.05, OTHER: 0.06}

# What claims look like per line: (accident type, paid amount range in yen).
ACCIDENT_TYPES: dict[str, tuple[tuple[str, int, int], ...]] = {
    AUTO: (
        ("追突", 150_000, 1_200_000),
        ("出会い頭の衝突", 200_000, 2_500_000),
        ("駐車場内の接触", 50_000, 400_000),
        ("自損事故", 80_000, 900_000),
        ("当て逃げ", 60_000, 500_000),
        ("飛び石による破損", 40_000, 200_000),
        ("車両盗難", 800_000, 3_000_000),
        ("台風による水没", 600_000, 2_500_000),
    ),
    FIRE: (
        ("火災", 1_000_000, 15_000_000),
        ("落雷", 80_000, 600_000),
        ("風災(台風)", 100_000, 2_000_000),
        ("水濡れ(給排水設備)", 60_000, 800_000),
        ("盗難", 50_000, 500_000),
        ("破損・汚損", 20_000, 300_000),
        ("雪災", 100_000, 1_500_000),
        ("ひょう災", 80_000, 900_000),
    ),
    QUAKE: (("地震による損壊(一部損)", 300_000, 1_500_000), ("地震による損壊(小半損)", 1_500_000, 5_000_000)),
    PA: (
        ("転倒による骨折", 30_000, 400_000),
        ("交通事故による負傷", 50_000, 800_000),
        ("スポーツ中の負傷", 20_000, 200_000),
        ("階段からの転落", 30_000, 500_000),
    ),
    LIAB: (
        ("自転車事故(対人)", 100_000, 3_000_000),
        ("他人の物を壊した", 20_000, 300_000),
        ("漏水による階下への損害", 100_000, 1_000_000),
        ("来店客の転倒", 50_000, 800_000),
    ),
    OTHER: (("通院", 20_000, 150_000), ("入院", 50_000, 400_000), ("携行品の破損", 10_000, 100_000)),
}
ACCIDENT_PLACE_SUFFIXES = ("付近の交差点", "の自宅", "の駐車場", "の路上", "の店舗内", "の勤務先", "の国道沿い")

# Cars and how common they are (weights).
VEHICLE_MODELS: tuple[tuple[str, int], ...] = (
    ("ホンダ N-BOX", 9),
    ("トヨタ プリウス", 7),
    ("トヨタ アクア", 7),
    ("トヨタ ヤリス", 6),
    ("日産 ノート", 6),
    ("スズキ スペーシア", 6),
    ("ダイハツ タント", 6),
    ("トヨタ カローラ", 5),
    ("トヨタ シエンタ", 5),
    ("ダイハツ ムーヴ", 5),
    ("スズキ ワゴンR", 5),
    ("ホンダ フリード", 4),
    ("日産 セレナ", 4),
    ("トヨタ ノア", 4),
    ("トヨタ ヴォクシー", 4),
    ("マツダ CX-5", 3),
    ("スバル フォレスター", 3),
    ("トヨタ アルファード", 3),
    ("ホンダ ヴェゼル", 3),
    ("スズキ ハスラー", 3),
    ("日産 デイズ", 3),
    ("トヨタ ハリアー", 2),
    ("トヨタ RAV4", 2),
    ("ホンダ フィット", 3),
    ("スズキ ジムニー", 2),
    ("マツダ ロードスター", 1),
    ("トヨタ クラウン", 2),
    ("レクサス RX", 1),
    ("メルセデス・ベンツ Cクラス", 1),
    ("フォルクスワーゲン ゴルフ", 1),
    ("トヨタ ハイエース", 2),
)
PLATE_KANA = "あいうえかきくけこさすせそたちつてとなにぬねのはひふほまみむめもやゆよらりるれろわ"

# Contact topics: (subject, notes variants, channels with weights, direction, department kind,
# needs: "" | "policy" | "claim" | "auto" | "fire", weight).
INBOUND, OUTBOUND = "inbound", "outbound"
PHONE, EMAIL, CHAT, WEB = Channel.PHONE.value, Channel.EMAIL.value, Channel.CHAT.value, Channel.WEB.value
IN_PERSON, POST, FAX = Channel.IN_PERSON.value, Channel.POST.value, Channel.FAX.value


@dataclass(frozen=True)
class Topic:
    subject: str
    notes: tuple[str, ...]
    channels: tuple[tuple[str, float], ...]
    direction: str
    department: str  # core.choices.DepartmentKind value of the usual handler
    needs: str
    weight: float


TOPICS: tuple[Topic, ...] = (
    Topic(
        "住所変更の届出",
        ("転居に伴う住所変更のご依頼。変更届を送付した。", "住所変更を受付。登録内容を更新済み。"),
        ((PHONE, 6), (WEB, 3), (POST, 1)),
        INBOUND,
        "policy_admin",
        "",
        6,
    ),
    Topic(
        "電話番号の変更",
        ("携帯電話番号の変更連絡。", "固定電話を解約したため携帯電話へ変更したいとのこと。"),
        ((PHONE, 7), (WEB, 3)),
        INBOUND,
        "call_center",
        "",
        3,
    ),
    Topic(
        "満期更改のご案内",
        ("{policy}の満期が近いため更改内容をご案内した。", "{policy}の更改手続きについて説明。前年同条件で更改希望。"),
        ((PHONE, 6), (POST, 3), (EMAIL, 1)),
        OUTBOUND,
        "policy_admin",
        "policy",
        10,
    ),
    Topic(
        "補償内容の問い合わせ",
        (
            "{policy}の補償範囲について質問。約款の該当箇所を案内した。",
            "特約の有無を確認したいとのこと。{policy}の内容を説明。",
        ),
        ((PHONE, 7), (CHAT, 2), (EMAIL, 1)),
        INBOUND,
        "call_center",
        "policy",
        9,
    ),
    Topic(
        "保険料の問い合わせ",
        ("{policy}の保険料が前年より上がった理由の説明を求められた。", "保険料の払込状況の確認。"),
        ((PHONE, 8), (CHAT, 2)),
        INBOUND,
        "call_center",
        "policy",
        6,
    ),
    Topic(
        "口座振替口座の変更",
        ("引落口座の変更依頼。口座振替依頼書を送付。",),
        ((PHONE, 6), (POST, 4)),
        INBOUND,
        "policy_admin",
        "policy",
        4,
    ),
    Topic(
        "控除証明書の再発行依頼",
        (
            "地震保険料控除証明書の再発行を受付。{policy}分を郵送手配。",
            "年末調整用に控除証明書を紛失したとのこと。再発行を手配。",
        ),
        ((PHONE, 7), (WEB, 3)),
        INBOUND,
        "call_center",
        "fire",
        4,
    ),
    Topic(
        "証券の再発行依頼",
        ("{policy}の保険証券を紛失。再発行を手配した。",),
        ((PHONE, 8), (WEB, 2)),
        INBOUND,
        "policy_admin",
        "policy",
        2,
    ),
    Topic(
        "車両入替の相談",
        ("新車購入に伴う車両入替の相談。{policy}の異動手続きを案内。",),
        ((PHONE, 7), (IN_PERSON, 3)),
        INBOUND,
        "call_center",
        "auto",
        4,
    ),
    Topic(
        "ノンフリート等級の確認",
        ("{policy}の現在の等級と事故有係数適用期間を回答。",),
        ((PHONE, 9), (CHAT, 1)),
        INBOUND,
        "call_center",
        "auto",
        3,
    ),
    Topic(
        "事故の受付",
        ("{claim}の事故受付。状況を聴取し損害サービス担当へ引継ぎ。", "事故の第一報。けが人なし。{claim}として受付。"),
        ((PHONE, 9), (WEB, 1)),
        INBOUND,
        "claims",
        "claim",
        5,
    ),
    Topic(
        "保険金支払の進捗確認",
        ("{claim}の支払見込み時期の問い合わせ。調査状況を説明。", "{claim}について必要書類の到着を確認。"),
        ((PHONE, 9), (EMAIL, 1)),
        INBOUND,
        "claims",
        "claim",
        4,
    ),
    Topic(
        "保険金請求書類の送付",
        ("{claim}の保険金請求書一式を送付した。",),
        ((POST, 8), (EMAIL, 2)),
        OUTBOUND,
        "claims",
        "claim",
        3,
    ),
    Topic(
        "解約の申し出",
        ("{policy}を解約したいとの申し出。解約返戻金と手続きを説明。", "他社に切り替えるため解約希望。"),
        ((PHONE, 8), (POST, 2)),
        INBOUND,
        "policy_admin",
        "policy",
        2,
    ),
    Topic(
        "苦情: 対応の遅れ",
        (
            "折り返しの電話が遅いとのご不満。お詫びし、担当部署へ共有。",
            "保険金の支払が遅いとのご指摘。状況を説明しお詫び。",
        ),
        ((PHONE, 9), (EMAIL, 1)),
        INBOUND,
        "customer_relations",
        "",
        1.2,
    ),
    Topic(
        "苦情: 説明不足",
        ("契約時に特約の説明がなかったとのお申し出。経緯を確認中。",),
        ((PHONE, 8), (POST, 2)),
        INBOUND,
        "customer_relations",
        "policy",
        0.8,
    ),
    Topic(
        "ロードサービスの利用",
        ("バッテリー上がりでロードサービスを手配。",),
        ((PHONE, 10),),
        INBOUND,
        "call_center",
        "auto",
        2,
    ),
    Topic(
        "Webマイページのログイン不可",
        ("パスワード再設定の手順を案内。", "登録メールアドレスが不明とのこと。本人確認のうえ案内。"),
        ((CHAT, 5), (PHONE, 4), (EMAIL, 1)),
        INBOUND,
        "call_center",
        "",
        3,
    ),
    Topic(
        "意向確認書の送付",
        ("{policy}の意向確認書を送付。",),
        ((POST, 7), (EMAIL, 3)),
        OUTBOUND,
        "policy_admin",
        "policy",
        3,
    ),
    Topic(
        "契約内容確認のお電話",
        ("{policy}の契約内容確認のため架電。内容に相違なし。", "不在のため留守番電話にメッセージを残した。"),
        ((PHONE, 10),),
        OUTBOUND,
        "policy_admin",
        "policy",
        3,
    ),
    Topic(
        "名義変更の手続き",
        ("婚姻による姓の変更。名義変更書類を送付。", "記名被保険者の変更について相談。"),
        ((PHONE, 7), (POST, 3)),
        INBOUND,
        "policy_admin",
        "policy",
        1.5,
    ),
    Topic(
        "DM送付停止の依頼", ("案内DMの送付停止を希望。登録を変更した。",), ((PHONE, 6), (WEB, 4)), INBOUND, "crm", "", 1
    ),
    Topic(
        "地震保険の付帯相談",
        ("{policy}に地震保険を付帯したいとの相談。保険金額の上限を説明。",),
        ((PHONE, 7), (IN_PERSON, 3)),
        INBOUND,
        "call_center",
        "fire",
        2,
    ),
    Topic(
        "お礼・感謝の声",
        ("事故対応が丁寧だったとのお礼の言葉をいただいた。",),
        ((PHONE, 6), (POST, 2), (EMAIL, 2)),
        INBOUND,
        "customer_relations",
        "",
        0.8,
    ),
    Topic(
        "FAXでの書類受領",
        ("異動申込書をFAXで受領。原本の郵送を依頼。",),
        ((FAX, 10),),
        INBOUND,
        "policy_admin",
        "policy",
        0.6,
    ),
)

# Elderly customers also get these (家族同席, ゆっくり説明 …).
ELDERLY_TOPICS: tuple[Topic, ...] = (
    Topic(
        "高齢者対応: ご家族同席での説明",
        ("ご家族同席のもと{policy}の更改内容を説明。意向を確認した。",),
        ((IN_PERSON, 6), (PHONE, 4)),
        OUTBOUND,
        "policy_admin",
        "policy",
        3,
    ),
    Topic(
        "高齢者対応: 契約内容の再確認",
        ("聞き取りにくいとのことで、ゆっくり繰り返し説明。ご家族にも書面を送付。",),
        ((PHONE, 8), (POST, 2)),
        OUTBOUND,
        "call_center",
        "",
        2,
    ),
)

ELDERLY_NOTES = (
    "耳が遠いため、ゆっくり大きな声で話すこと。",
    "連絡はご長男経由を希望。",
    "午前中の連絡を希望。",
    "契約内容の説明にはご家族の同席を希望。",
)
CUSTOMER_NOTES = (
    "平日の日中は連絡がつきにくい。",
    "書類は郵送を希望。",
    "メールでの連絡を希望。",
    "夜間の電話は不可。",
)

# Company names: stems with readings, then a business word with its reading.
COMPANY_STEMS: tuple[tuple[str, str], ...] = (
    ("東京", "トウキョウ"),
    ("大阪", "オオサカ"),
    ("横浜", "ヨコハマ"),
    ("名古屋", "ナゴヤ"),
    ("札幌", "サッポロ"),
    ("仙台", "センダイ"),
    ("広島", "ヒロシマ"),
    ("福岡", "フクオカ"),
    ("北陸", "ホクリク"),
    ("東海", "トウカイ"),
    ("関東", "カントウ"),
    ("九州", "キュウシュウ"),
    ("四国", "シコク"),
    ("中央", "チュウオウ"),
    ("日本", "ニホン"),
    ("東洋", "トウヨウ"),
    ("大和", "ヤマト"),
    ("富士", "フジ"),
    ("日の出", "ヒノデ"),
    ("太陽", "タイヨウ"),
    ("朝日", "アサヒ"),
    ("若葉", "ワカバ"),
    ("みどり", "ミドリ"),
    ("ひかり", "ヒカリ"),
    ("さくら", "サクラ"),
    ("三和", "サンワ"),
    ("共栄", "キョウエイ"),
    ("協和", "キョウワ"),
    ("第一", "ダイイチ"),
    ("新日本", "シンニホン"),
    ("丸三", "マルサン"),
    ("山一", "ヤマイチ"),
    ("アース", "アース"),
    ("エース", "エース"),
    ("テクノ", "テクノ"),
    ("グリーン", "グリーン"),
    ("ライフ", "ライフ"),
    ("ネクスト", "ネクスト"),
    ("ブルースター", "ブルースター"),
    ("ユニオン", "ユニオン"),
    ("プラス", "プラス"),
    ("アオバ", "アオバ"),
    ("きらり", "キラリ"),
    ("はなまる", "ハナマル"),
)
COMPANY_WORDS: tuple[tuple[str, str], ...] = (
    ("商店", "ショウテン"),
    ("工業", "コウギョウ"),
    ("建設", "ケンセツ"),
    ("運送", "ウンソウ"),
    ("不動産", "フドウサン"),
    ("製作所", "セイサクショ"),
    ("電機", "デンキ"),
    ("食品", "ショクヒン"),
    ("産業", "サンギョウ"),
    ("物産", "ブッサン"),
    ("商事", "ショウジ"),
    ("興業", "コウギョウ"),
    ("開発", "カイハツ"),
    ("設計", "セッケイ"),
    ("技研", "ギケン"),
    ("工務店", "コウムテン"),
    ("水産", "スイサン"),
    ("農園", "ノウエン"),
    ("印刷", "インサツ"),
    ("精機", "セイキ"),
    ("化学", "カガク"),
    ("薬品", "ヤクヒン"),
    ("物流", "ブツリュウ"),
    ("観光", "カンコウ"),
    ("交通", "コウツウ"),
    ("自動車", "ジドウシャ"),
    ("住宅", "ジュウタク"),
    ("システム", "システム"),
    ("サービス", "サービス"),
    ("ホールディングス", "ホールディングス"),
    ("エンジニアリング", "エンジニアリング"),
    ("商会", "ショウカイ"),
    ("酒造", "シュゾウ"),
    ("製菓", "セイカ"),
    ("鉄工所", "テッコウショ"),
    ("塗装", "トソウ"),
    ("電設", "デンセツ"),
)
# Legal forms (法人格) with their weight, reading and the 会社法人等番号 kind code used in the number.
LEGAL_FORMS: tuple[tuple[str, str, float, str], ...] = (
    ("株式会社", "カブシキガイシャ", 0.72, "01"),
    ("有限会社", "ユウゲンガイシャ", 0.18, "02"),
    ("合同会社", "ゴウドウガイシャ", 0.10, "03"),
)

AGENCY_SUFFIXES = ("保険サービス", "保険事務所", "保険センター", "総合保険", "エージェンシー", "保険プラザ")

# Email domains reserved for examples (RFC 2606, JPRS), so demo data can never reach a real mailbox.
EMAIL_DOMAINS: tuple[tuple[str, float], ...] = (
    ("example.jp", 0.30),
    ("example.co.jp", 0.15),
    ("example.ne.jp", 0.25),
    ("example.com", 0.20),
    ("example.net", 0.10),
)
