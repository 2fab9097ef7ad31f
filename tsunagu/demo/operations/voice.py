"""Demo お客様の声: two years of voices in the seed reports' mix (339 感謝 : 109 不満 : 8 要望 : 5 その他
per half-year for a large agency, scaled to the book), words put together per level-2 category
(an opening and a detail in the customer's register, so thanks read differently from complaints),
some 不満 linked to the complaint cases the cases demo opened (苦情として対応), monthly 回覧 of the
last twelve months with who has read them, and improvements with results in this year and the last
(so 「不満の声からの改善 …件、前年 …件」 has both).

Rows are written in bulk (`core.writes.bulk_create`, with history) and indexed like
`voice.services` does (the analyser's term counts per voice, postings in `VoiceTerm`, document
frequencies in `VoiceTermStat`, `term_norm`), so 言葉の傾向 and 類似の声 work on demo voices.
Deterministic per seed and book: `random.Random("tsunagu-demo-voice:<seed>:<customers before>")`.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from tsunagu.cases.choices import CaseType
from tsunagu.cases.models import Case
from tsunagu.core import writes
from tsunagu.core.choices import DepartmentKind
from tsunagu.core.models import Agency, Department, User
from tsunagu.customers.models import Customer
from tsunagu.policies.models import Policy
from tsunagu.voice import text
from tsunagu.voice.choices import ComplaintDecision, ImprovementStatus, VoiceChannel, VoiceKind
from tsunagu.voice.models import (
    Circulation,
    CirculationRead,
    Improvement,
    Voice,
    VoiceCategory,
    VoiceTerm,
    VoiceTermStat,
)

YEARS = 2
MIX: tuple[tuple[str, int], ...] = (
    (VoiceKind.PRAISE, 339),
    (VoiceKind.DISSATISFACTION, 109),
    (VoiceKind.REQUEST, 8),
    (VoiceKind.OTHER, 5),
)
VOICES_PER_CUSTOMER_YEAR = 0.12  # ~480 voices over two years at 2,000 customers
CHANNELS: dict[str, tuple[tuple[str, int], ...]] = {
    VoiceKind.PRAISE: (
        (VoiceChannel.AGENCY, 5),
        (VoiceChannel.PHONE, 3),
        (VoiceChannel.SURVEY, 3),
        (VoiceChannel.LETTER, 2),
        (VoiceChannel.COUNTER, 1),
    ),
    VoiceKind.DISSATISFACTION: (
        (VoiceChannel.PHONE, 6),
        (VoiceChannel.AGENCY, 2),
        (VoiceChannel.EMAIL, 2),
        (VoiceChannel.WEB, 1),
        (VoiceChannel.LETTER, 1),
    ),
    VoiceKind.REQUEST: (
        (VoiceChannel.WEB, 3),
        (VoiceChannel.PHONE, 2),
        (VoiceChannel.SURVEY, 2),
        (VoiceChannel.AGENCY, 1),
    ),
    VoiceKind.OTHER: ((VoiceChannel.PHONE, 3), (VoiceChannel.AGENCY, 2), (VoiceChannel.COUNTER, 1)),
}
REASON = "デモデータ投入"

# The words, per level-2 category (names as seeded by the voice migration): an opening that says
# what happened and a detail, in the customer's own register — thanks read differently from
# complaints, and each category talks about its own things (so 言葉の傾向 and 類似の声 have
# something to show).
WORDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # 感謝
    "担当者の対応": (
        (
            "代理店の担当の方がいつも親身に相談に乗ってくださいます。",
            "更新のたびに丁寧に連絡をいただき、安心しています。",
            "母の入院の件で電話した際、担当の方が優しく話を聞いてくださいました。",
            "引っ越しの手続きを電話でお願いしたら、必要なことを全部まとめて教えてくれました。",
            "窓口の方が高齢の父にもわかるよう、ゆっくり説明してくださいました。",
        ),
        (
            "これからもよろしくお願いします。",
            "本当にありがとうございました。",
            "家族の保険もお願いしようと思います。",
            "担当の方にお礼を伝えてください。",
            "",
        ),
    ),
    "事故対応": (
        (
            "追突事故の直後に電話したら、すぐにレッカーと代車を手配してもらえました。",
            "事故の相手方との交渉をすべて任せられて、とても心強かったです。",
            "台風で屋根が壊れたとき、写真の撮り方から丁寧に教えていただきました。",
            "夜中の事故でしたが、受付の方が落ち着いて対応してくださり助かりました。",
            "自転車で転んでけがをした際、保険金の請求方法をすぐに案内してもらえました。",
        ),
        (
            "動揺していたので本当に助かりました。",
            "保険に入っていて良かったと思いました。",
            "修理も思ったより早く終わりました。",
            "ありがとうございました。",
        ),
    ),
    "わかりやすい説明": (
        (
            "補償内容の違いを表にして説明してもらい、よくわかりました。",
            "保険料が上がる理由を等級の仕組みから説明していただき、納得できました。",
            "地震保険の必要性について、具体的な例を挙げて教えてもらえました。",
            "専門用語を使わずに説明してくださったので、母も理解できました。",
        ),
        (
            "おかげで自分に合った補償を選べました。",
            "他社ではここまで説明してもらえませんでした。",
            "",
        ),
    ),
    "迅速な手続": (
        (
            "車両入替の手続きがその日のうちに終わり、新しい車にすぐ乗れました。",
            "保険金の支払いが思っていたより早く、助かりました。",
            "控除証明書の再発行をお願いしたら、数日で届きました。",
            "住所変更が電話一本で済みました。",
        ),
        (
            "スムーズで驚きました。",
            "忙しいので本当にありがたいです。",
            "",
        ),
    ),
    # 不満
    "説明不足": (
        (
            "事故で等級が下がることを後から知らされました。",
            "車両保険が対象外になる場合があるとは聞いていませんでした。",
            "更新後に保険料が上がった理由の説明がありませんでした。",
            "免責金額について契約時に説明を受けた覚えがありません。",
        ),
        (
            "最初に説明してほしかったです。",
            "納得できないので、きちんと説明してください。",
            "書面だけでなく口頭でも説明してほしい。",
        ),
    ),
    "接客態度": (
        (
            "電話の担当者の言い方が事務的で、冷たく感じました。",
            "事故で困っているのに、こちらの話を最後まで聞いてもらえませんでした。",
            "窓口で長く待たされたうえ、説明も面倒そうでした。",
        ),
        (
            "もう少し相手の立場に立って対応してほしいです。",
            "とても嫌な気持ちになりました。",
            "",
        ),
    ),
    "手続遅延": (
        (
            "保険金の請求書類を送ってから一か月以上、何の連絡もありません。",
            "住所変更をお願いしたのに、更新の案内が旧住所に届きました。",
            "修理の見積もりを出してから支払いの連絡まで時間がかかりすぎです。",
        ),
        (
            "いつ支払われるのか教えてください。",
            "早く対応してほしいです。",
            "他社への乗換えも考えています。",
        ),
    ),
    "事務ミス": (
        (
            "届いた証券の車の登録番号が間違っていました。",
            "口座振替の手続きをしたのに、振込用紙が送られてきました。",
            "書類の不備を何度も指摘され、そのたびに送り直しました。",
        ),
        (
            "確認をしっかりしてほしいです。",
            "不備があるなら一度にまとめて教えてください。",
            "",
        ),
    ),
    "支払可否": (
        (
            "水漏れの修理が補償の対象外と言われましたが、納得できません。",
            "経年劣化と判断された理由がわかりません。",
        ),
        (
            "判断の根拠を書面で示してください。",
            "加入時の説明と違うと思います。",
        ),
    ),
    "支払額": (
        (
            "修理費に比べて保険金の額が少なすぎます。",
            "車の時価額の算定に納得がいきません。",
        ),
        (
            "査定の内訳を説明してほしいです。",
            "もう一度見直してください。",
        ),
    ),
    "対応スピード": (
        (
            "事故の連絡をしてから折り返しの電話まで半日かかりました。",
            "電話がなかなかつながらず、何度もかけ直しました。",
            "担当の方が不在で、折り返しの連絡もありませんでした。",
            "メールで問い合わせたのに、一週間たっても返事がありません。",
        ),
        (
            "事故の時は特に不安なので、すぐに連絡がほしいです。",
            "改善をお願いします。",
            "",
        ),
    ),
    "解約手続": (
        (
            "解約したいと電話したのに、書類が届くまで二週間かかりました。",
            "解約の手続きに必要な書類が多すぎます。",
        ),
        (
            "もっと簡単にできるようにしてください。",
            "引き止めの話が長く、困りました。",
        ),
    ),
    "個人情報の取扱い": (
        (
            "家族に契約内容を話されたようで、不安に思いました。",
            "宛名を間違えた郵便物が届き、個人情報の扱いが心配です。",
        ),
        (
            "取り扱いには十分注意してください。",
            "どのように管理しているのか説明してほしいです。",
        ),
    ),
    # 要望
    "商品・補償": (
        (
            "自転車事故の補償を自動車保険に付けられるようにしてほしいです。",
            "ペットのけがも補償される保険があればうれしいです。",
            "家財の補償額をもう少し細かく選べるようにしてほしい。",
        ),
        ("検討をお願いします。", "", "ぜひお願いします。"),
    ),
    "手続・書類": (
        (
            "保険料控除証明書をもう少し早く送ってほしいです。",
            "書類の記入例を同封してもらえると助かります。",
            "土日も相談できる窓口があるとありがたいです。",
        ),
        ("検討をお願いします。", ""),
    ),
    "Web・アプリ": (
        (
            "契約内容をWebでいつでも確認できるようにしてほしいです。",
            "住所変更をスマートフォンから手続きできるとうれしいです。",
            "事故の写真をアプリから送れるようにしてほしい。",
        ),
        ("若い人には便利だと思います。", ""),
    ),
    # その他
    "その他": (
        (
            "来月引っ越しの予定があるので、手続きを教えてください。",
            "家族の車を買い替える予定です。",
            "娘が免許を取ったので、運転者の範囲を相談したいです。",
            "年金生活になったので、保険料の払い方を相談したいです。",
        ),
        ("また連絡します。", ""),
    ),
}
IMPROVEMENTS: tuple[tuple[str, str, str], ...] = (
    # (level-2 category the voices are in, what was done, the result)
    (
        "手続遅延",
        "保険金支払いまでの見込み日数を初回連絡で案内",
        "初回連絡で支払までの見込みを伝え、週1回の経過連絡を徹底した。支払時期の問合せが減った。",
    ),
    (
        "対応スピード",
        "折り返し電話は当日中に",
        "不在時の折り返しを当日中とし、翌朝に未対応を確認する運用にした。折り返し遅れの声がなくなった。",
    ),
    (
        "説明不足",
        "等級ダウンの説明シートを作成",
        "事故受付時に等級と保険料への影響を説明するシートを使い、後からの問合せが減った。",
    ),
    ("説明不足", "更改時の補償説明を図解資料に変更", "更改時の説明資料を図解にし、説明不足の声が前年の半分になった。"),
    (
        "事務ミス",
        "書類の不備はまとめて一度で連絡",
        "不備の確認項目をチェックリストにし、指摘は一度にまとめて連絡する運用にした。",
    ),
    (
        "接客態度",
        "電話応対研修(言葉遣い・傾聴)を全員で受講",
        "全員が研修を受け、事故受付の応対を月1回相互に確認している。",
    ),
    ("支払額", "修理費の査定内訳を書面で説明", "査定の内訳を書面で送るようにし、支払額への問合せが減った。"),
    ("解約手続", "解約書類を1枚に集約", "解約請求書と確認書を1枚にまとめ、手続きの日数が短くなった。"),
)
IMPROVED_CATEGORIES = frozenset(category for category, _, _ in IMPROVEMENTS)

# Recent months: more voices about reaching the call centre (a phone system change), so the
# keyword trends of 不満 show 電話 and 折り返し rising.
RECENT_DAYS = 180
RECENT_WEIGHT = {"対応スピード": 3.0}


@dataclass
class VoiceResult:
    voices: int = 0
    by_kind: dict[str, int] | None = None
    complaints_linked: int = 0
    terms: int = 0
    circulations: int = 0
    reads: int = 0
    improvements: int = 0
    improvements_done: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class _Pool:
    category: VoiceCategory
    openings: tuple[str, ...]
    details: tuple[str, ...]


def _pools() -> dict[str, list[_Pool]]:
    """The active categories the demo has words for, per kind (an admin may have renamed some)."""
    pools: dict[str, list[_Pool]] = {}
    for category in VoiceCategory.objects.filter(is_active=True).order_by("pk"):
        if category.name in WORDS and (category.parent_id is not None or category.kind == VoiceKind.OTHER):
            openings, details = WORDS[category.name]
            pools.setdefault(category.kind, []).append(_Pool(category, openings, details))
    return pools


def _pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def _words(rng: random.Random, pool: _Pool) -> str:
    return rng.choice(pool.openings) + rng.choice(pool.details)


def _index(saved: list[Voice], counts_by_text: dict[str, Counter[str]]) -> int:
    """Postings and document frequencies, as `voice.services._index` keeps them (set-based)."""
    terms = [VoiceTerm(voice=v, term=t, tf=min(tf, 32767)) for v in saved for t, tf in counts_by_text[v.text].items()]
    VoiceTerm.objects.bulk_create(terms, batch_size=2000)
    df = Counter(t.term for t in terms)
    VoiceTermStat.objects.bulk_create([VoiceTermStat(term=t, df=0) for t in df], ignore_conflicts=True)
    by_count: dict[int, list[str]] = {}
    for term, n in df.items():
        by_count.setdefault(n, []).append(term)
    for n, names in by_count.items():  # one UPDATE per distinct count, not per term
        for start in range(0, len(names), 900):
            VoiceTermStat.objects.filter(term__in=names[start : start + 900]).update(df=F("df") + n)
    return len(terms)


def demo_voice_load(
    *, seed: int, as_of: dt.date, existing_customers: int, actor: User, users: dict[str, User] | None = None
) -> VoiceResult:
    """Voices of the customers this load added (recorded by their agency's staff, else by the
    demo's operator), their 回覧 and improvements."""
    started = time.perf_counter()
    result = VoiceResult()
    first = Customer.objects.order_by("id").values_list("id", flat=True)[existing_customers : existing_customers + 1]
    pools = _pools()
    if not first or not pools:
        return result
    rng = random.Random(f"tsunagu-demo-voice:{seed}:{existing_customers}")
    users = users or {}
    head_office = users.get("operator", actor)
    relations = Department.objects.filter(kind=DepartmentKind.CUSTOMER_RELATIONS).order_by("pk").first()
    policies = list(
        Policy.objects.filter(policyholder_id__gte=first[0])
        .order_by("id")
        .values_list("pk", "policyholder_id", "agency_id")
    )
    customers = len({holder for _, holder, _ in policies})
    if not policies:
        return result
    staff: dict[int, list[User]] = {}
    for user in User.objects.filter(agency__isnull=False, is_active=True).order_by("pk"):
        staff.setdefault(user.agency_id, []).append(user)  # type: ignore[arg-type]
    start = as_of - dt.timedelta(days=365 * YEARS - 1)
    recent = as_of - dt.timedelta(days=RECENT_DAYS)
    kinds = tuple((kind, weight) for kind, weight in MIX if kind in pools)
    rows: list[Voice] = []

    def voice(
        kind: str,
        on: dt.date,
        customer_id: int,
        policy_id: int | None,
        agency_id: int | None,
        *,
        draw: random.Random = rng,
        choices: list[_Pool] | None = None,
        **extra: object,
    ) -> Voice:
        choices = choices or pools[kind]
        weights = [RECENT_WEIGHT.get(p.category.name, 1.0) if on >= recent else 1.0 for p in choices]
        pool = draw.choices(choices, weights=weights)[0]
        agency_staff = staff.get(agency_id or 0, [])
        channel = _pick(draw, CHANNELS[kind])
        recorder = (
            draw.choice(agency_staff)
            if agency_staff and channel in (VoiceChannel.AGENCY, VoiceChannel.COUNTER)
            else head_office
        )
        return Voice(
            received_on=on,
            channel=channel,
            category=pool.category,
            kind=kind,
            text=_words(draw, pool),
            customer_id=customer_id,
            policy_id=policy_id,
            agency_id=agency_id,
            department=None if recorder.agency_id else recorder.department,  # as voice_record's owner rule
            recorded_by=recorder,
            **extra,
        )  # fmt: skip

    complaints = Case.objects.filter(
        customer_id__gte=first[0], case_type=CaseType.COMPLAINT, opened_on__gte=start, opened_on__lte=as_of
    ).values_list("pk", "customer_id", "policy_id", "policy__agency_id", "opened_on")
    for pk, customer_id, policy_id, agency_id, opened_on in complaints.order_by("pk"):
        if rng.random() < 0.6:  # the others came in as complaints directly, without a voice first
            rows.append(
                voice(
                    VoiceKind.DISSATISFACTION, opened_on, customer_id, policy_id, agency_id,
                    complaint_decision=ComplaintDecision.YES, complaint_case_id=pk,
                )
            )  # fmt: skip
    result.complaints_linked = len(rows)
    days = (as_of - start).days + 1
    for _ in range(max(20, round(customers * VOICES_PER_CUSTOMER_YEAR * YEARS))):
        policy_id, customer_id, agency_id = rng.choice(policies)
        kind = _pick(rng, kinds)
        on = start + dt.timedelta(days=rng.randrange(days))
        extra: dict[str, Any] = {}
        if kind == VoiceKind.DISSATISFACTION:  # decided 苦情ではない, the last weeks' still 未判断
            extra["complaint_decision"] = (
                ComplaintDecision.UNDECIDED if on > as_of - dt.timedelta(days=21) else ComplaintDecision.NO
            )
        rows.append(voice(kind, on, customer_id, policy_id, agency_id, **extra))
    login_agency = getattr(users.get("agency1"), "agency_id", None)
    improvable = [p for p in pools.get(VoiceKind.DISSATISFACTION, []) if p.category.name in IMPROVED_CATEGORIES]
    login_policies = [p for p in policies if login_agency is not None and p[2] == login_agency]
    if improvable and login_policies:
        # The demo login's agency hears at least one 不満 a year that an improvement answers, so that its
        # 件数と改善 compares two years on any 基準日. Drawn from its own Random: the rest stays the same.
        side = random.Random(f"tsunagu-demo-voice-login:{seed}:{existing_customers}")
        cut = as_of - dt.timedelta(days=365)
        for first_day, last_day in ((start, cut - dt.timedelta(days=1)), (cut, as_of - dt.timedelta(days=22))):
            if not any(
                v.agency_id == login_agency
                and v.kind == VoiceKind.DISSATISFACTION
                and v.category.name in IMPROVED_CATEGORIES
                and first_day <= v.received_on <= last_day
                for v in rows
            ):
                policy_id, customer_id, agency_id = side.choice(login_policies)
                on = first_day + dt.timedelta(days=side.randrange((last_day - first_day).days + 1))
                rows.append(
                    voice(
                        VoiceKind.DISSATISFACTION, on, customer_id, policy_id, agency_id, draw=side, choices=improvable,
                        complaint_decision=ComplaintDecision.NO,
                    )
                )  # fmt: skip
    rows.sort(key=lambda v: (v.received_on, v.customer_id))
    counts_by_text = {t: text.term_counts(t) for t in {v.text for v in rows}}
    for row in rows:
        row.term_norm = text.norm(counts_by_text[row.text])
    with transaction.atomic():
        saved = writes.bulk_create(rows, actor=actor, reason=REASON, batch_size=500)
        result.terms = _index(saved, counts_by_text)
        result.voices = len(saved)
        result.by_kind = dict(Counter(v.kind for v in saved))
        _circulations(rng, saved, staff, as_of, head_office, users, result)
        _improvements(rng, saved, staff, relations, as_of, users.get("complaints", head_office), result, login_agency)
    result.seconds = time.perf_counter() - started
    return result


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _circulations(
    rng: random.Random,
    voices: list[Voice],
    staff: dict[int, list[User]],
    as_of: dt.date,
    head_office: User,
    users: dict[str, User],
    result: VoiceResult,
) -> None:
    """One 回覧 per agency (and per head-office department, for the voices of direct customers it
    recorded) and month of the last twelve, with every voice of
    the month (as `circulation_create` collects them); older months read by nearly everyone, the
    current one by about half so far."""
    first = _month(as_of - dt.timedelta(days=335))
    by_owner: dict[tuple[str, int, dt.date], list[Voice]] = {}
    for v in voices:
        if v.received_on < first:
            continue
        if v.agency_id:
            by_owner.setdefault(("agency", v.agency_id, _month(v.received_on)), []).append(v)
        elif v.department_id:
            by_owner.setdefault(("department", v.department_id, _month(v.received_on)), []).append(v)
    agencies = Agency.objects.in_bulk({owner for kind, owner, _ in by_owner if kind == "agency"})
    departments = Department.objects.in_bulk({owner for kind, owner, _ in by_owner if kind == "department"})
    for (kind, owner, month), month_voices in sorted(by_owner.items(), key=lambda item: (item[0][2], item[0][:2])):
        if Circulation.objects.filter(month=month, **{f"{kind}_id": owner}).exists():
            continue
        members = staff.get(owner, []) if kind == "agency" else [u for u in users.values() if u.department_id == owner]
        creator = members[0] if members else head_office
        circulation = writes.save(
            Circulation(
                month=month,
                agency=agencies.get(owner) if kind == "agency" else None,
                department=departments.get(owner) if kind == "department" else None,
                note="今月のお客様の声です。改善につながる声は朝礼で共有してください。" if rng.random() < 0.5 else "",
                created_by=creator,
            ),
            actor=creator,
            reason=REASON,
        )
        circulation.voices.set(month_voices)
        result.circulations += 1
        share = 0.5 if month == _month(as_of) else 0.9
        reads = []
        for member in members:
            if rng.random() < share:
                day = min(_next_month(month) + dt.timedelta(days=rng.randrange(0, 10)), as_of)
                read_at = timezone.make_aware(dt.datetime.combine(day, dt.time(rng.randint(9, 17), rng.randrange(60))))
                reads.append(CirculationRead(circulation=circulation, user=member, read_at=read_at))
        writes.bulk_create(reads, actor=creator, reason=REASON)
        result.reads += len(reads)


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def _improvements(
    rng: random.Random,
    voices: list[Voice],
    staff: dict[int, list[User]],
    relations: Department | None,
    as_of: dt.date,
    complaints_officer: User,
    result: VoiceResult,
    login_agency: int | None = None,
) -> None:
    """Each improvement of the list, for the agencies (or お客様相談室) whose 不満 voices asked for it,
    twice over the two years: one finished last year, one this year (some still in progress). Every
    other one, and the first of each year it can have, goes to the demo login's agency when it has such a
    voice, so that agency1's 件数と改善 shows improvements in both years (the random draw is made anyway:
    the rest of the demo stays the same)."""
    dissatisfied: dict[str, list[Voice]] = {}
    for v in voices:
        if v.kind == VoiceKind.DISSATISFACTION:
            dissatisfied.setdefault(v.category.name, []).append(v)
    login_halves: set[int] = set()  # the years in which the login agency already has one
    for index, (category, title, outcome) in enumerate(IMPROVEMENTS):
        candidates = dissatisfied.get(category, [])
        for half in (0, 1):  # the older year's, the recent year's
            cut = as_of - dt.timedelta(days=365)
            group = [v for v in candidates if (v.received_on < cut) == (half == 0)]
            if not group:
                continue
            trigger = rng.choice(group)
            own = [v for v in group if login_agency is not None and v.agency_id == login_agency]
            if own and (index % 2 == 0 or half not in login_halves):
                trigger = own[0]
                login_halves.add(half)
            linked = [v for v in group if v.agency_id == trigger.agency_id][:3]
            planned = min(trigger.received_on + dt.timedelta(days=rng.randint(7, 30)), as_of)
            done_on = planned + dt.timedelta(days=rng.randint(30, 120))
            finished = done_on <= as_of
            members = staff.get(trigger.agency_id or 0, [])
            owner = members[0] if members else complaints_officer
            improvement = writes.save(
                Improvement(
                    title=title,
                    description=f"「{category}」の声({len(linked)}件)を受けて取り組む。",
                    owner=owner,
                    agency_id=trigger.agency_id if members else None,
                    department=None if members else (relations or complaints_officer.department),
                    status=ImprovementStatus.DONE if finished else ImprovementStatus.IN_PROGRESS,
                    planned_on=planned,
                    completed_on=done_on if finished else None,
                    result=outcome if finished else "",
                    created_by=owner,
                ),
                actor=owner,
                reason=REASON,
            )
            improvement.voices.set(linked)
            result.improvements += 1
            result.improvements_done += finished
