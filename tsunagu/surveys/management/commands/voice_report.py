"""`manage.py voice_report --survey CODE --from YYYY-MM-DD --to YYYY-MM-DD [--agency CODE] [--json]`:
NPS and satisfaction of the responses answered in the closed date range, counted from the response
rows (not the aggregates), so it can check the dashboard. `n` counts responses with an NPS answer."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Avg, Count, Q

from tsunagu.core.models import Agency
from tsunagu.surveys import nps as formulas
from tsunagu.surveys.models import Response, Survey
from tsunagu.surveys.results import min_n


def _date(text: str | None, option: str) -> dt.date:
    if not text:
        raise CommandError(f"{option} を YYYY-MM-DD 形式で指定してください。")
    try:
        return dt.date.fromisoformat(text.strip()) if len(text.strip()) == 10 else _bad(text, option)
    except ValueError as error:
        raise CommandError(f"{option} の日付「{text}」が正しくありません(YYYY-MM-DD 形式、例: 2026-04-01)。") from error


def _bad(text: str, option: str) -> dt.date:
    raise ValueError(f"{option}: {text}")


def voice_report(*, survey: Survey, date_from: dt.date, date_to: dt.date, agency: Agency | None) -> dict[str, Any]:
    rows = Response.objects.filter(survey=survey, answered_on__gte=date_from, answered_on__lte=date_to)
    if agency is not None:
        rows = rows.filter(agency=agency)
    counts = rows.aggregate(
        responses=Count("id"),
        n=Count("id", filter=Q(nps__isnull=False)),
        promoters=Count("id", filter=Q(nps__gte=formulas.PROMOTER_MIN)),
        detractors=Count("id", filter=Q(nps__lte=formulas.DETRACTOR_MAX)),
        satisfaction_n=Count("id", filter=Q(satisfaction__isnull=False)),
        mean_satisfaction=Avg("satisfaction"),
    )
    minimum = min_n()
    # The report is a check, not a screen: the score is given whatever n (with the flag a screen uses).
    score = formulas.nps(counts["promoters"], counts["detractors"], counts["n"], min_n=1)
    mean = counts["mean_satisfaction"]
    return {
        "survey": survey.code,
        "from": date_from.isoformat(),
        "to": date_to.isoformat(),
        "agency": agency.code if agency is not None else None,
        "responses": counts["responses"],
        "n": counts["n"],
        "promoters": counts["promoters"],
        "passives": counts["n"] - counts["promoters"] - counts["detractors"],
        "detractors": counts["detractors"],
        "nps": score.score,
        "nps_low": None if score.low is None else round(score.low, 1),
        "nps_high": None if score.high is None else round(score.high, 1),
        "satisfaction_n": counts["satisfaction_n"],
        "mean_satisfaction": None if mean is None else round(float(mean), 2),
        "min_n": minimum,
        "insufficient": counts["n"] < minimum,
    }


class Command(BaseCommand):
    help = (
        "アンケートの NPS・満足度を回答日の期間(両端を含む)で集計します。n は推奨度に回答した件数です。"
        "--json で1つのJSONオブジェクトを出力します。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--survey", help="アンケートコード(例: claim)")
        parser.add_argument("--from", dest="date_from", help="回答日の開始(YYYY-MM-DD)")
        parser.add_argument("--to", dest="date_to", help="回答日の終了(YYYY-MM-DD、この日を含む)")
        parser.add_argument("--agency", default="", help="代理店コード(省略時はすべて)")
        parser.add_argument("--json", action="store_true", help="JSONで出力する")

    def handle(self, *args: Any, **options: Any) -> None:
        code = (options["survey"] or "").strip()
        if not code:
            raise CommandError("--survey にアンケートコードを指定してください(例: --survey claim)。")
        survey = Survey.objects.filter(code=code).first()
        if survey is None:
            raise CommandError(f"アンケートコード「{code}」は登録されていません。")
        date_from = _date(options["date_from"], "--from")
        date_to = _date(options["date_to"], "--to")
        if date_from > date_to:
            raise CommandError(f"--from({date_from})が --to({date_to})より後になっています。")
        agency = None
        if options["agency"].strip():
            agency = Agency.objects.filter(code=options["agency"].strip()).first()
            if agency is None:
                raise CommandError(f"代理店コード「{options['agency'].strip()}」は登録されていません。")
        report = voice_report(survey=survey, date_from=date_from, date_to=date_to, agency=agency)
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False))
            return
        self.stdout.write(self._table(report, survey, agency))

    def _table(self, report: dict[str, Any], survey: Survey, agency: Agency | None) -> str:
        nps = "—" if report["nps"] is None else f"{report['nps']:+d}"
        if report["nps"] is not None and report["nps_low"] is not None:
            nps += f"(95%区間 {report['nps_low']:+.1f}〜{report['nps_high']:+.1f})"
        if report["insufficient"]:
            nps += f" ※回答数不足(最少 {report['min_n']} 件)"
        mean = "—" if report["mean_satisfaction"] is None else f"{report['mean_satisfaction']:.2f}"
        lines = [
            ("アンケート", f"{survey.name}({survey.code})"),
            ("期間", f"{report['from']}〜{report['to']}"),
            ("代理店", f"{agency.name}({agency.code})" if agency else "すべて"),
            ("回答数", f"{report['responses']:,}"),
            ("推奨度の回答数(n)", f"{report['n']:,}"),
            ("推奨者(9〜10)", f"{report['promoters']:,}"),
            ("中立者(7〜8)", f"{report['passives']:,}"),
            ("批判者(0〜6)", f"{report['detractors']:,}"),
            ("NPS", nps),
            ("平均満足度(0〜10)", f"{mean}(n = {report['satisfaction_n']:,})"),
        ]
        return "\n".join(f"{label}: {value}" for label, value in lines)
