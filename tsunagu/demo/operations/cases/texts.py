"""The texts of the demo cases: changes, complaints, cancellation reasons, deficiencies, old addresses."""

from __future__ import annotations

import random

from tsunagu.cases.choices import CancellationOutcome, CancellationReason

COVERAGE_CHANGES: dict[str, tuple[tuple[str, int, int], ...]] = {
    # line → (what changes, premium difference low/high in yen; negative = 返戻)
    "auto": (
        ("車両保険を一般型からエコノミー型(車対車+A)に変更", -32000, -12000),
        ("弁護士費用特約を追加", 1800, 3200),
        ("運転者限定を本人・配偶者限定から家族限定に変更", 2500, 9000),
        ("年齢条件を26歳以上補償から21歳以上補償に変更(子の免許取得)", 18000, 52000),
        ("車両保険の免責金額を0-10万円から5-10万円に変更", -9000, -3000),
    ),
    "fire": (
        ("地震保険を中途付帯(建物・家財)", 8000, 36000),
        ("家財の保険金額を500万円から800万円に増額", 2000, 6000),
        ("水災補償を追加", 6000, 18000),
        ("破損・汚損の補償を外す", -5000, -1500),
    ),
    "": (("個人賠償責任特約を追加", 1500, 2500), ("入院保険金日額を5,000円から7,000円に増額", 3000, 8000)),
}
OTHER_CHANGES: tuple[str, ...] = (
    "記名被保険者を配偶者に変更",
    "使用目的を日常・レジャーから通勤・通学に変更",
    "建物の用途変更(住宅から店舗併用住宅)",
    "増築(床面積 20㎡)の通知",
    "被保険者の職業変更の通知",
)
COMPLAINTS: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    # parent category code → (what the customer said, the request, cause, countermeasure)
    "C1": (
        (
            "契約時に車両保険の免責金額について説明がなく、修理費の自己負担に納得できない。",
            "説明不足を認めて謝罪してほしい。今後の説明方法を改善してほしい。",
            "募集時に重要事項説明書の免責金額の欄を口頭で説明していなかった(代理店)。",
            "代理店に重要事項説明の手順を再教育し、免責金額を説明したことを確認する欄を申込書に追加した。",
        ),
        (
            "電話の担当者の言葉づかいが高圧的だった。",
            "担当者を指導してほしい。",
            "繁忙時間帯に応対者が確認を急ぎ、お客さまの話を遮った。",
            "応対者へのフィードバックと、センター全体での応対品質研修を実施した。",
        ),
    ),
    "C2": (
        (
            "住所変更を依頼したのに、満期案内が旧住所に届いた。",
            "個人情報が旧住所に送られたことへの説明と再発防止を求める。",
            "異動届の受付後、入力が期限内に行われず、発送データに反映されなかった。",
            "異動の入力期限を管理する一覧を毎朝確認する手順を追加し、発送前に異動中の契約を照合するようにした。",
        ),
        (
            "解約したのに翌月も保険料が引き落とされた。",
            "引き落とされた保険料をすぐに返金してほしい。",
            "解約日の入力が引落データの締め日に間に合わなかった。",
            "締め日直前の解約を当日中に引落停止する連絡手順を定め、返金を即日手配した。",
        ),
        (
            "名義変更の手続が1か月以上終わらない。",
            "いつ終わるのか連絡がほしい。",
            "書類不備の連絡が担当者の不在で止まっていた。",
            "不備連絡を部署のタスクとして登録し、担当者不在でも期限で追跡するようにした。",
        ),
    ),
    "C3": (
        (
            "事故の連絡をしてから1週間、担当者から連絡がない。",
            "早く連絡がほしい。対応の遅れについて説明してほしい。",
            "担当者の引継ぎ時に初回連絡のタスクが登録されていなかった。",
            "引継ぎ時に初回連絡期限を必ず登録するよう手順を改め、未連絡の事故を毎日確認することにした。",
        ),
        (
            "提示された修理費の支払額が見積りより少なく、理由の説明もない。",
            "支払額の根拠を書面で説明してほしい。",
            "損害額の査定根拠をお客さまに書面で示していなかった。",
            "支払額が見積りと異なる場合は査定根拠を書面で送付する運用に変更した。",
        ),
        (
            "台風の被害が支払対象外と言われたが納得できない。",
            "支払対象外の理由を約款に沿って説明してほしい。",
            "補償対象外(経年劣化)と判断した根拠の説明が口頭のみだった。",
            "対象外の判断を伝える際は約款の該当条項と写真による根拠を書面で示すことにした。",
        ),
    ),
    "C4": (
        (
            "自分宛ての控除証明書に他人の契約が記載されていた。",
            "原因と、他人に自分の情報が送られていないか説明してほしい。",
            "名寄せの誤りで別の顧客の契約が同一人物として集約されていた。",
            "該当する名寄せを解除し、同姓同名で生年月日が異なる候補を自動で統合しない設定にした。",
        ),
    ),
    "C9": (
        (
            "コールセンターの電話がつながるまで30分以上待たされた。",
            "待ち時間を改善してほしい。",
            "年末調整の時期に控除証明書の問い合わせが集中した。",
            "繁忙期の応対人員を増やし、控除証明書の再発行をWebでも受け付けるよう案内を強化した。",
        ),
    ),
}
CANCELLATION_REASONS: tuple[tuple[str, float, str], ...] = (
    (CancellationReason.SOLD, 0.28, "車を手放すことになった"),
    (CancellationReason.SWITCH, 0.22, "他社の見積りの方が安かった"),
    (CancellationReason.PREMIUM_BURDEN, 0.2, "更新後の保険料の負担が大きい"),
    (CancellationReason.DUPLICATE, 0.1, "家族の契約と補償が重複していた"),
    (CancellationReason.DISSATISFIED, 0.08, "事故対応に不満がある"),
    (CancellationReason.OTHER, 0.12, "海外赴任のため"),
)
_C, _R, _RC = CancellationOutcome.CANCELLED, CancellationOutcome.RETAINED, CancellationOutcome.RETAINED_CHANGED
OUTCOME_ROTATION: tuple[str, ...] = (_C, _C, _R, _C, _C, _RC, _C, _C, _R, _C, _C)  # 継続 2, 条件変更 1 of 11
COMPETITORS = ("ダイレクト型の損保(ネット契約)", "勤務先の団体扱", "銀行窓口で勧められた保険", "")
# The (fictional) insurers customers switch to, as operators type them: the same company in full/half
# width, with or without 株式会社/(株), 損保/損害保険/海上火災保険 (the 解約防止分析 counts each company once).
# Direct (online) insurers, where a "ダイレクト型" switch or a cheaper quote goes:
COMPETITOR_SPELLINGS: tuple[tuple[str, ...], ...] = (
    ("あおば損保", "株式会社あおば損保", "ｱｵﾊﾞ損保", "あおば損害保険(株)"),
    ("ひかりダイレクト損保", "ﾋｶﾘﾀﾞｲﾚｸﾄ損保", "ひかりダイレクト損害保険株式会社"),
    ("ＳＫＹ損保", "SKY損保"),
)
# Agency-sold insurers, where a group plan at work (団体扱) or a bank counter's offer comes from:
AGENCY_INSURER_SPELLINGS: tuple[tuple[str, ...], ...] = (
    ("さくら損保", "さくら損害保険株式会社", "ｻｸﾗ損保"),
    ("みらい海上火災保険", "みらい海上火災保険(株)", "ミライ海上火災保険"),
    ("つばさ損保", "株式会社つばさ損保", "つばさ損害保険"),
    ("やまと火災海上保険", "やまと火災海上保険株式会社"),
)
# What a customer said when cancelling over dissatisfaction: about a claim only when they had one.
DISSATISFIED_CLAIM_TEXT = "事故対応に不満がある"
DISSATISFIED_TEXTS = (
    "補償の内容が今の暮らしに合わなくなった",
    "更新の案内で補償内容の説明が分かりにくかった",
    "必要な補償が付けられないと言われた",
)
FIRST_YEAR_PREMIUM_TEXT = "家計の見直しで保険料を抑えたい"  # a policy in its first year was never "更新後"
# A cancellation that follows the customer's own complaint (reason, what they said, share of such cases).
AFTER_COMPLAINT: tuple[tuple[str, float, str], ...] = (
    (CancellationReason.DISSATISFIED, 0.5, "先日の苦情の対応に納得できない"),
    (CancellationReason.SWITCH, 0.3, "先日の件で信頼できなくなり、他社に移りたい"),
    (CancellationReason.PREMIUM_BURDEN, 0.2, "先日の件もあり、保険料に見合わないと感じる"),
)
REISSUE_REASONS = ("紛失", "引越しの際に紛失", "汚損(水濡れ)", "家族が誤って処分")
ACCIDENT_DETAILS: dict[str, tuple[str, str, str]] = {
    # line → (parties, injuries, police report prefix)
    "auto": ("相手方: 自家用車(運転者1名)", "けが人なし", "届出済 受理番号"),
    "fire": ("", "", ""),
    "personal_accident": ("", "通院中", ""),
}


def _pick_weighted(rng: random.Random, items: tuple[tuple[str, float, str], ...]) -> tuple[str, float, str]:
    roll = rng.random() * sum(w for _, w, _ in items)
    for item in items:
        roll -= item[1]
        if roll <= 0:
            return item
    return items[-1]


OLD_TOWNS = ("本町", "緑町", "栄町", "旭町", "中央", "桜台", "若葉", "東町", "西町", "南町", "北町", "新町")
OLD_BUILDINGS = ("コーポ", "ハイツ", "メゾン", "グランドハイツ", "パークサイド", "サンライズ")
DEFICIENCIES = (
    "押印漏れ",
    "記入漏れ(異動日)",
    "口座名義とご契約者名が不一致",
    "本人確認書類の有効期限切れ",
    "車検証の写しが不鮮明",
    "訂正箇所に訂正印なし",
)
