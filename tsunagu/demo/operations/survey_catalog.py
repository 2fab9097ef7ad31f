"""What the demo surveys are made of: the six survey definitions with their rules' parameters and
NPS targets, the line offsets of claims, the comment pools per score band, and what staff write when
they close a follow-up. Data only; `surveys.py` draws from it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tsunagu.policies.choices import LineOfBusiness
from tsunagu.surveys.answers import QuestionSpec
from tsunagu.surveys.choices import Channel, FollowUpReason, QuestionKind, SurveyPurpose, TriggerEvent

Q = QuestionSpec
NPS_TEXT = "{}を、ご家族やご友人にすすめたいと思いますか(0〜10)"


def _common(subject: str, drivers: Iterable[tuple[str, str]], extra: tuple[QuestionSpec, ...] = ()) -> tuple:
    return (
        Q("nps", QuestionKind.NPS, NPS_TEXT.format(subject), required=True),
        Q("satisfaction", QuestionKind.SCALE, f"{subject}全体の満足度をお聞かせください(0〜10)"),
        *(Q(code, QuestionKind.RATING, text, is_driver=True) for code, text in drivers),
        *extra,
        Q("comment", QuestionKind.TEXT, "ご意見・ご感想をご自由にお書きください"),
        Q("contact", QuestionKind.CONSENT, "ご回答について担当者からご連絡してもよろしいですか"),
    )


IMPRESSION = ("良い", "普通", "悪い")
CANCEL_REASONS = ("保険料が高い", "補償内容が合わない", "他社の保険に切り替えた", "車両の売却・転居", "その他")


@dataclass(frozen=True)
class SurveyDef:
    code: str
    name: str
    purpose: str
    event: str
    questions: tuple[QuestionSpec, ...]
    target: int  # the NPS answers are drawn around (before line and agency)
    intro: str = ""
    sampling: str = "0.9"  # the 送付ルール's sampling rate
    channel: str = Channel.WEB  # the rule's channel (elderly customers and those without e-mail get post)
    quiet_days: int = 90  # the rule's 再送付しない日数


SURVEYS: tuple[SurveyDef, ...] = (
    SurveyDef(
        "claim",
        "事故対応アンケート",
        SurveyPurpose.TRANSACTIONAL,
        TriggerEvent.CLAIM_CLOSED,
        _common(
            "当社の事故対応",
            (
                ("clarity", "補償内容やお支払いの流れの説明はわかりやすかったですか(1〜5)"),
                ("speed", "対応の早さはいかがでしたか(1〜5)"),
                ("updates", "進み具合のご連絡は十分でしたか(1〜5)"),
                ("attitude", "担当者の対応・態度はいかがでしたか(1〜5)"),
                ("ease", "お手続きは簡単でしたか(1〜5)"),
            ),
            (Q("impression", QuestionKind.CHOICE, "事故対応全体の印象", choices=IMPRESSION),),
        ),
        45,
        "このたびは事故のご連絡をいただき、ありがとうございました。対応の品質向上のため、ご意見をお聞かせください。",
        sampling="1",  # every closed claim (事故対応NPS)
    ),
    SurveyDef(
        "renewal",
        "更改手続アンケート",
        SurveyPurpose.TRANSACTIONAL,
        TriggerEvent.RENEWAL_DONE,
        _common(
            "当社と代理店",
            (
                ("clarity", "補償内容や保険料の変更点の説明はわかりやすかったですか(1〜5)"),
                ("ease", "更改のお手続きは簡単でしたか(1〜5)"),
                ("attitude", "担当者の対応はいかがでしたか(1〜5)"),
            ),
        ),
        38,
    ),
    SurveyDef(
        "new_contract",
        "ご契約手続アンケート",
        SurveyPurpose.TRANSACTIONAL,
        TriggerEvent.NEW_CONTRACT,
        _common(
            "当社と代理店",
            (
                ("clarity", "補償内容の説明はわかりやすかったですか(1〜5)"),
                ("ease", "お申込みの手続きは簡単でしたか(1〜5)"),
                ("attitude", "担当者の対応はいかがでしたか(1〜5)"),
            ),
        ),
        42,
        sampling="0.15",  # every first contract is an event: a light sample keeps the mix realistic
    ),
    SurveyDef(
        "case",
        "お問い合わせ・お手続き対応アンケート",
        SurveyPurpose.TRANSACTIONAL,
        TriggerEvent.CASE_CLOSED,
        _common(
            "当社の窓口",
            (
                ("speed", "対応の早さはいかがでしたか(1〜5)"),
                ("clarity", "ご案内はわかりやすかったですか(1〜5)"),
                ("attitude", "担当者の対応はいかがでしたか(1〜5)"),
            ),
        ),
        32,
        channel=Channel.PHONE,  # the call centre rings back after a completed request
    ),
    SurveyDef(
        "cancellation",
        "ご解約時アンケート",
        SurveyPurpose.TRANSACTIONAL,
        TriggerEvent.CANCELLATION_COMPLETED,
        _common(
            "当社",
            (("ease", "解約のお手続きは簡単でしたか(1〜5)"),),
            (Q("reason", QuestionKind.CHOICE, "ご解約の主な理由", choices=CANCEL_REASONS),),
        ),
        -5,
        sampling="1",
        quiet_days=30,  # the reason for leaving matters more than the survey fatigue
    ),
    SurveyDef(
        "relational",
        "お客様満足度調査(年次)",
        SurveyPurpose.RELATIONAL,
        TriggerEvent.RELATIONAL_YEARLY,
        _common(
            "当社と代理店",
            (
                ("attitude", "代理店の日頃の対応はいかがですか(1〜5)"),
                ("updates", "ご契約内容や満期のご案内は十分ですか(1〜5)"),
            ),
        ),
        28,
        sampling="0.05",  # of the customers, once a year on a policy's anniversary
        channel=Channel.POST,
    ),
)

# Claims: the line moves the target (auto claims are the hardest to please).
LINE_OFFSET: dict[str, int] = {
    LineOfBusiness.AUTO: 0,
    LineOfBusiness.FIRE: 12,
    LineOfBusiness.EARTHQUAKE: 8,
    LineOfBusiness.PERSONAL_ACCIDENT: 14,
    LineOfBusiness.LIABILITY: 10,
    LineOfBusiness.OTHER: 12,
}
AGENCY_SPREAD = 12  # an agency's NPS sits up to this many points above or below the others'

# --- comments: sentence pools per band, combined --------------------------------------------------

COMMENTS: dict[str, dict[str, tuple[str, ...]]] = {
    "promoter": {
        "claim": (
            "事故の直後で動揺していましたが、最初のお電話で落ち着いて対応していただき安心しました。",
            "修理工場の手配から支払いまでスムーズで、ほとんど手間がかかりませんでした。",
            "担当の方が毎回こまめに進捗を連絡してくださり、不安なく待つことができました。",
            "保険金のお支払いが思っていたより早く、とても助かりました。",
            "相手方とのやり取りをすべてお任せでき、本当に心強かったです。",
            "代理店の方が事故現場まで駆けつけてくださり、感謝しています。",
        ),
        "general": (
            "説明が丁寧でわかりやすかったです。",
            "いつも親身に相談に乗っていただき、ありがとうございます。",
            "手続きが簡単で、すぐに終わりました。",
            "今後もぜひお願いしたいと思います。",
            "知人にも紹介したいと思います。",
        ),
    },
    "passive": {
        "claim": (
            "対応には概ね満足していますが、支払いまでもう少し早いとありがたかったです。",
            "担当者の方は丁寧でしたが、書類が多く少し大変でした。",
            "途中で担当の方が変わり、同じ説明を二度することになりました。",
        ),
        "general": (
            "特に不満はありませんが、説明がやや専門的でわかりにくい部分がありました。",
            "電話がつながるまで少し時間がかかりました。",
            "おおむね満足しています。",
            "Webで手続きできるともっと便利だと思います。",
        ),
    },
    "detractor": {
        "claim": (
            "事故の連絡をしてから折り返しの電話まで時間がかかり、とても不安でした。",
            "進捗の連絡がなく、こちらから何度も問い合わせなければなりませんでした。",
            "過失割合の説明に納得がいきませんでした。",
            "支払いまでに時間がかかりすぎだと思います。",
            "担当者によって言うことが違い、不信感を持ちました。",
        ),
        "cancellation": (
            "更新のたびに保険料が上がり、見直すことにしました。",
            "他社のほうが補償の割に保険料が安かったため切り替えました。",
        ),
        "general": (
            "説明がわかりにくく、結局どうなるのかよくわかりませんでした。",
            "担当者の言葉遣いが事務的で、冷たい印象を受けました。",
            "書類の不備を何度も指摘され、手続きに時間がかかりました。",
            "電話がなかなかつながらず困りました。",
            "もう少しこちらの事情を聞いてほしかったです。",
        ),
    },
}
COMMENT_SHARE = {"promoter": 0.35, "passive": 0.3, "detractor": 0.6}


# --- follow-up outcomes, as staff write them ----------------------------------------------------

FOLLOW_UP_DONE: dict[str, tuple[str, ...]] = {
    FollowUpReason.DETRACTOR: (
        "お電話でお詫びし、ご不満の点(連絡の遅れ)を伺いました。担当部署に共有し、今後は週1回経過をご連絡すると説明。ご了承いただきました。",
        "ご回答のお礼とお詫びを伝え、説明が不十分だった補償内容を改めてご説明しました。ご納得いただけました。",
        "代理店担当者が訪問し、お手続きの不手際をお詫びしました。次回更改時の説明方法を見直すことをお伝えしました。",
        "お話を伺ったところ保険料の値上がりへのご不満でした。等級と料率改定の仕組みをご説明し、補償の見直し案をお送りすることになりました。",
    ),
    FollowUpReason.DRIVER: (
        "評価の低かった「進み具合のご連絡」について伺いました。担当者不在時の引継ぎが漏れていたため、お詫びしました。",
        "書類のわかりにくさについてご意見をいただきました。記入例を同封する運用を検討すると回答しました。",
        "手続きの手間についてお話を伺い、Webで手続きできる内容をご案内しました。",
    ),
    FollowUpReason.CONTACT_REQUESTED: (
        "ご連絡のご希望に沿ってお電話しました。補償内容のご質問にお答えし、解決しました。",
        "ご希望どおり折り返しました。満期後の契約内容の確認で、資料をお送りしました。",
        "お電話でご用件(住所変更の方法)を伺い、手続きをご案内しました。",
    ),
}
FOLLOW_UP_NOT_REACHED = (
    "3回お電話しましたがつながらず、留守番電話にメッセージを残しました。",
    "日中・夕方にお電話しましたが不在でした。はがきでご連絡先をお尋ねしました。",
)
