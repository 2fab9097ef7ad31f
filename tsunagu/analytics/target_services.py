"""Writes of target lists: creating one from a segment (with its control group), recording an
entry's activity result, and importing results from CSV.

A list of 100,000 customers is built set-based: one read of the segment with the assigned agency and
the score as correlated subqueries, then `core.bulk` inserts and the history rows copied by the
database (`core.bulk.copy_to_history`), so every entry has its "+" history row without per-row ORM.
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from tsunagu.core import bulk, csv_export, permissions, writes
from tsunagu.core.audit import record_event
from tsunagu.core.choices import AuditAction
from tsunagu.core.models import User
from tsunagu.customers.models import CustomerAgency
from tsunagu.policies.choices import LineOfBusiness
from tsunagu.policies.models import Policy

from . import segments
from .choices import EntryResult, ListBasis
from .models import Score, TargetEntry, TargetList
from .uplift import control_size

# Every list holds out a control group (issue 14): without one there is no uplift to measure.
MIN_CONTROL_PERCENT = 1
MAX_CONTROL_PERCENT = 50
NOTE_MAX_LENGTH = 200  # TargetEntry.result_note
CONTROL_PERCENT_ERROR = (
    f"対照群の割合は{MIN_CONTROL_PERCENT}〜{MAX_CONTROL_PERCENT}%で指定してください"
    "(効果を測るため、どのリストにも対照群を残します)。"
)
ENTRY_COLUMNS = (
    "target_list_id", "customer_id", "agency_id", "channel", "is_control", "score", "decile", "product_line",
    "proposal_points", "result", "result_note",
)  # fmt: skip
INSERT_BATCH = 5_000


_LINE_LABELS = {str(line.value): str(line.label) for line in LineOfBusiness}
# Reason features that name the proposed line themselves: the list puts 「提案する種目」 first once.
PROPOSED_LINE_FEATURES = frozenset({"candidate_line", "proposed_line"})


def _points_from_talk(talking_points: str) -> list[dict[str, str]]:
    return [{"feature": "", "text": line.strip()} for line in talking_points.splitlines() if line.strip()]


def _proposal_points(
    basis: str, product_line: str | None, reasons: Any, talk: list[dict[str, str]]
) -> list[dict[str, str]]:
    """Next product / churn: the model's reasons for this customer (the proposed line first); the
    campaign's talking points for a campaign list or a customer the model has not scored."""
    if basis == ListBasis.CAMPAIGN or not reasons:
        return talk
    points = []
    if product_line:
        points.append({"feature": "", "text": f"提案する種目: {_LINE_LABELS.get(product_line, product_line)}"})
    seen = {p["text"] for p in points}
    for reason in reasons:
        feature, text = reason.get("feature", ""), reason["text"]
        if (product_line and feature in PROPOSED_LINE_FEATURES) or text in seen:
            continue  # the proposed line is already the first point; no point twice
        seen.add(text)
        points.append({"feature": feature, "text": text})
    return points


def target_list_create(
    *,
    actor: User,
    name: str,
    basis: str,
    segment: segments.Segment,
    control_percent: int,
    talking_points: str = "",
    seed: int | None = None,
) -> TargetList:
    """Draw the segment, hold out a seeded random `control_percent` as the control group, and store
    the list with one entry per customer (proposal points per customer). The seed is recorded, so
    the same segment and seed give the same split."""
    permissions.require(actor, permissions.ANALYTICS_MODELS)
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = "リスト名を入力してください。"
    if basis not in ListBasis.values:
        errors["basis"] = "提案の根拠を選んでください。"
    if not MIN_CONTROL_PERCENT <= control_percent <= MAX_CONTROL_PERCENT:
        errors["control_percent"] = CONTROL_PERCENT_ERROR
    if basis == ListBasis.CAMPAIGN and not talking_points.strip():
        errors["talking_points"] = "キャンペーンのリストにはトークのポイントを入力してください。"
    if errors:
        raise ValidationError(errors)
    seed = int(seed if seed is not None else np.random.SeedSequence().entropy % 2**31)  # type: ignore[operator]
    kind = segments.basis_kind(basis) or segment.score_kind
    rows = _segment_rows(actor, segment, kind)
    if not rows:
        raise ValidationError("条件に当てはまる、連絡の同意があるお客さまがいません。条件を見直してください。")
    # Control group: a seeded permutation of the segment in customer order (independent of the query's order).
    rows.sort(key=lambda r: r[0])
    held_out = control_size(len(rows), control_percent)
    order = np.random.default_rng(seed).permutation(len(rows))
    control = np.zeros(len(rows), dtype=bool)
    control[order[:held_out]] = True
    ascending_cuts = sorted(segments.decile_cuts(kind)) if kind else []
    talk = _points_from_talk(talking_points)
    adapt_json = connection.ops.adapt_json_value  # what JSONField does per value, looked up once
    with transaction.atomic():
        target = writes.save(
            TargetList(
                name=name.strip(),
                basis=basis,
                talking_points=talking_points.strip(),
                filters=segment.to_json(),
                criteria=segments.criteria_text(segment, basis=basis, control_percent=control_percent),
                as_of=segment.as_of,
                control_percent=control_percent,
                seed=seed,
                treatment_count=len(rows) - held_out,
                control_count=held_out,
                created_by=actor,
            ),
            actor=actor,
            reason="ターゲットリストの作成",
        )
        tuples = []
        for (customer_id, agency_id, channel, score, line, reasons), is_control in zip(rows, control, strict=True):
            # Decile 1 holds the scores at or above the highest cut: 1 + the cuts above this score.
            decile = (
                1 + len(ascending_cuts) - bisect.bisect_right(ascending_cuts, score)
                if score is not None and ascending_cuts
                else None
            )
            points = _proposal_points(basis, line, reasons, talk)
            tuples.append(
                (target.pk, customer_id, agency_id, channel, bool(is_control), score, decile, line or "",
                 adapt_json(points, None), EntryResult.PENDING.value, "")
            )  # fmt: skip
        for start in range(0, len(tuples), INSERT_BATCH):
            bulk.copy_tuples(TargetEntry, ENTRY_COLUMNS, tuples[start : start + INSERT_BATCH])
        ids = list(TargetEntry.objects.filter(target_list=target).values_list("pk", flat=True))
        bulk.copy_to_history(TargetEntry, ids, user_id=actor.pk, reason="ターゲットリストの作成")
        record_event(
            actor=actor,
            action=AuditAction.ANALYTICS_TARGET_LIST_CREATE,
            target=target,
            summary=(
                f"ターゲットリスト「{target.name}」を作成した(対象 {target.treatment_count:,}人、対照群 {held_out:,}人)"
            ),
            data={"filters": target.filters, "seed": seed, "control_percent": control_percent, "entries": len(rows)},
        )
    return target


def _first_agency(segment: segments.Segment, customer: str) -> Subquery:
    """The customer's first serving agency (within the filtered agencies / branches), as a correlated
    subquery on the outer query's `customer` column."""
    links = CustomerAgency.objects.filter(customer=OuterRef(customer))
    if segment.agencies:
        links = links.filter(agency_id__in=segment.agencies)
    if segment.branches:
        links = links.filter(agency__branch_id__in=segment.branches)
    return Subquery(links.order_by("since", "id").values("agency_id")[:1])


def _segment_rows(actor: User, segment: segments.Segment, kind: str) -> list[tuple[Any, ...]]:
    """(customer id, agency id, channel, score, product line, reasons) per customer of the segment.

    With a score kind: the kind's scores read in the (kind, -score) index's order, highest first,
    semi-joined to the segment (the database reads the segment once, not a subquery per customer);
    then, up to the limit, the segment's customers without a score of the kind, in customer order.
    The assigned agency is the only correlated subquery."""
    members = segments.segment_customers(user=actor, segment=segment)
    rows: list[tuple[Any, ...]] = []
    if kind:
        scored = (
            Score.objects.visible_to(actor)
            .filter(kind=kind, customer__in=members.values("pk"))
            .annotate(assigned_agency=_first_agency(segment, "customer_id"))
            .order_by("-score", "customer_id")
        )
        if segment.limit:
            scored = scored[: segment.limit]
        rows = list(
            scored.values_list(
                "customer_id", "assigned_agency", "customer__preferred_channel", "score", "product_line", "reasons"
            )
        )
        if segment.score_kind == kind or (segment.limit and len(rows) >= segment.limit):
            return rows  # the segment requires a score of the kind, or the limit is reached
        members = members.exclude(Exists(Score.objects.filter(customer=OuterRef("pk"), kind=kind)))
    unscored = members.annotate(assigned_agency=_first_agency(segment, "pk")).order_by("pk")
    if segment.limit:
        unscored = unscored[: segment.limit - len(rows)]
    rows += [
        (pk, agency, channel, None, "", None)
        for pk, agency, channel in unscored.values_list("pk", "assigned_agency", "preferred_channel")
    ]
    return rows


# --- results ----------------------------------------------------------------------------------


def _result_from(text: str) -> str | None:
    value = text.strip()
    for choice in EntryResult:
        if value in (choice.value, choice.label):
            return choice.value
    return None


def _check_result(entry: TargetEntry, result: str, won_policy: Policy | None, note: str = "") -> dict[str, str]:
    """What is wrong with recording `result` on `entry` (field → Japanese message; empty when fine).

    A won policy must be the customer's **new** contract (not a renewal: nobody counts the control
    group's renewals either, so a renewal would bias the uplift up), contracted on or after the list's
    date, and of the proposed line when the entry has one (next-product lists). Campaign and churn
    lists carry no proposed line, so there any new contract counts, as the uplift measures it."""
    errors: dict[str, str] = {}
    if entry.is_control:
        errors["result"] = "対照群のお客さまは効果測定のため連絡しない対象です。結果は記録できません。"
    elif result not in EntryResult.values:
        errors["result"] = "結果を選んでください。"
    elif result == EntryResult.WON and won_policy is None:
        errors["won_policy"] = "成約の場合は、成約した契約の証券番号を入力してください。"
    elif won_policy is not None and won_policy.policyholder_id != entry.customer_id:
        errors["won_policy"] = "この証券はこのお客さまの契約ではありません。"
    elif won_policy is not None and result != EntryResult.WON:
        errors["won_policy"] = "証券番号は成約の場合だけ入力してください。"
    elif won_policy is not None and won_policy.previous_policy_id is not None:
        errors["won_policy"] = (
            f"証券番号「{won_policy.number}」は更改の契約です。成約にできるのは新規の契約だけです"
            "(更改は対照群でも数えないため、効果の測定が偏ります)。"
        )
    elif won_policy is not None and won_policy.contract_date < entry.target_list.as_of:
        errors["won_policy"] = (
            f"証券番号「{won_policy.number}」の契約日({won_policy.contract_date:%Y/%m/%d})は"
            f"リストの基準日({entry.target_list.as_of:%Y/%m/%d})より前です。基準日以降の新規契約を入力してください。"
        )
    elif won_policy is not None and entry.product_line and won_policy.line != entry.product_line:
        proposed = _LINE_LABELS.get(entry.product_line, entry.product_line)
        errors["won_policy"] = (
            f"証券番号「{won_policy.number}」は{_LINE_LABELS.get(won_policy.line, won_policy.line)}の契約です。"
            f"成約にできるのは提案した種目({proposed})の新規契約です。"
        )
    if len(note.strip()) > NOTE_MAX_LENGTH:
        errors["note"] = f"メモは{NOTE_MAX_LENGTH}文字以内で入力してください(今は{len(note.strip())}文字)。"
    return errors


def _unchanged(entry: TargetEntry, result: str, won_policy: Policy | None, note: str) -> bool:
    """The entry already holds this result, policy and memo: saving it would change nothing."""
    return (
        entry.result == result
        and entry.won_policy_id == (won_policy.pk if won_policy else None)
        and entry.result_note == note.strip()
    )


def _apply(entry: TargetEntry, actor: User, result: str, won_policy: Policy | None, note: str, reason: str) -> None:
    entry.result = result
    entry.won_policy = won_policy
    entry.result_note = note.strip()
    entry.result_at = timezone.now()
    entry.result_by = actor
    writes.save(
        entry,
        actor=actor,
        reason=reason,
        update_fields=["result", "won_policy", "result_note", "result_at", "result_by"],
    )


def _policy_by_number(actor: User, number: str) -> Policy | None:
    return Policy.objects.visible_to(actor).filter(number=number.strip()).first() if number.strip() else None


@dataclass(frozen=True)
class RecordOutcome:
    entry: TargetEntry
    changed: bool  # False: the entry already held this result, policy and memo (nothing written)


def target_entry_record_result(
    *, actor: User, entry_id: int, result: str, won_policy_number: str = "", note: str = ""
) -> RecordOutcome:
    """Record the activity result of one worklist entry (its history keeps every change). Saving what
    the entry already holds writes nothing (no history row, the recorder and time are kept)."""
    permissions.require(actor, permissions.ANALYTICS_SCORES)
    with transaction.atomic():
        # Re-read inside the transaction, scoped: a user can only write entries they may see.
        entry = (
            TargetEntry.objects.visible_to(actor)
            .select_for_update()
            .select_related("target_list")
            .filter(pk=entry_id)
            .first()
        )
        if entry is None:
            raise PermissionDenied("このリストの顧客は見つからないか、あなたの担当ではありません。")
        policy = _policy_by_number(actor, won_policy_number)
        errors = _check_result(entry, result, policy, note)
        if won_policy_number.strip() and policy is None:
            errors["won_policy"] = f"証券番号「{won_policy_number.strip()}」の契約が見つかりません。"
        if errors:
            raise ValidationError(errors)
        if _unchanged(entry, result, policy, note):
            return RecordOutcome(entry, changed=False)
        _apply(entry, actor, result, policy, note, "活動結果の記録")
    return RecordOutcome(entry, changed=True)


@dataclass(frozen=True)
class ImportOutcome:
    applied: int
    errors: list[str]
    unchanged: int = 0  # rows that change nothing (the entry holds them already, or an untouched row)


IMPORT_HEADER = ("顧客番号", "結果", "成約証券番号", "メモ")


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError("ファイルの文字コードを読み取れません。UTF-8 または Shift_JIS の CSV を指定してください。")


XLSX_SIGNATURE = b"PK\x03\x04"  # a ZIP archive: an .xlsx workbook (the worklist's XLSX export)


def _cell_text(value: Any) -> str:
    """An XLSX cell as the CSV would hold it: empty for a blank cell, a whole number without ".0"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_rows(data: bytes) -> list[list[str]]:
    """The first sheet of an XLSX workbook as rows of text (the worklist's XLSX export imports as is)."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        rows = [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        book.close()
    except Exception as error:  # openpyxl raises zipfile, XML and key errors for a damaged file
        raise ValidationError(
            "XLSX ファイルを読み取れません。"
            "ワークリストから出力した XLSX か、CSV(UTF-8 または Shift_JIS)を指定してください。"
        ) from error
    return rows


def _import_rows(data: bytes) -> list[list[str]]:
    if data.startswith(XLSX_SIGNATURE):
        return _xlsx_rows(data)
    return list(csv.reader(io.StringIO(_decode(data))))


def _customer_pk(number: str) -> int | None:
    text = number.strip().upper()
    if text.startswith("K"):
        text = text[1:]
    return int(text) if text.isdigit() and len(text) <= 12 else None


def _unquoted(text: str) -> str:
    """A cell as typed: the export writes text a spreadsheet would run as a formula with a leading
    apostrophe (`core.csv_export`), so the exported file imports back unchanged."""
    if text.startswith("'") and text[1:].startswith(csv_export.FORMULA_STARTS):
        return text[1:]
    return text


def target_results_import(*, actor: User, target: TargetList, data: bytes) -> ImportOutcome:
    """Results from a CSV or XLSX file (顧客番号, 結果, 成約証券番号, メモ — the worklist export's
    columns, CSV or XLSX, are accepted as they are). All or nothing: when any row has an error nothing
    is applied and every error is reported with its row number (in row order), so a corrected file can
    be imported again. Rows the entry already holds are skipped (counted as unchanged; the recorder and
    time are kept)."""
    permissions.require(actor, permissions.ANALYTICS_SCORES)
    source = "XLSX" if data.startswith(XLSX_SIGNATURE) else "CSV"
    reader = iter(_import_rows(data))
    header = next(reader, None)
    if header is None:
        raise ValidationError("ファイルが空です。")
    header = [h.strip() for h in header]
    missing = [name for name in IMPORT_HEADER[:2] if name not in header]
    if missing:
        raise ValidationError(
            f"1行目に列「{'」「'.join(missing)}」がありません(必要な列: {'・'.join(IMPORT_HEADER)})。"
        )
    column = {name: header.index(name) for name in IMPORT_HEADER if name in header}
    parsed: list[tuple[int, int, str, str, str]] = []
    errors: list[tuple[int, str]] = []
    rows = 0
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        rows += 1

        def cell(name: str, row: list[str] = row) -> str:
            index = column.get(name)
            return _unquoted(row[index]) if index is not None and index < len(row) else ""

        customer_pk = _customer_pk(cell("顧客番号"))
        result = _result_from(cell("結果"))
        if customer_pk is None:
            errors.append((line, f"顧客番号「{cell('顧客番号')}」の形式が正しくありません(例: K000000123)。"))
            continue
        if result is None:
            labels = "・".join(str(c.label) for c in EntryResult)
            errors.append((line, f"結果「{cell('結果')}」は使えません({labels} のいずれか)。"))
            continue
        parsed.append((line, customer_pk, result, cell("成約証券番号"), cell("メモ")))
    if not rows:
        raise ValidationError("取り込む行がありません。1行目の見出しの下に、結果の行を入れてください。")
    with transaction.atomic():
        entries = {
            e.customer_id: e
            for e in TargetEntry.objects.visible_to(actor)
            .select_for_update()
            .select_related("target_list")
            .filter(target_list=target, customer_id__in=[p[1] for p in parsed])
        }
        numbers = {p[3].strip() for p in parsed if p[3].strip()}
        policies = {p.number: p for p in Policy.objects.visible_to(actor).filter(number__in=numbers)}
        changes = []
        unchanged = 0
        seen: set[int] = set()
        for line, customer_pk, result, number, note in parsed:
            entry = entries.get(customer_pk)
            if entry is None:
                errors.append((line, f"顧客番号 K{customer_pk:09d} はこのリストのあなたの担当分にありません。"))
                continue
            if customer_pk in seen:
                errors.append((line, f"顧客番号 K{customer_pk:09d} が複数の行にあります。1行にまとめてください。"))
                continue
            seen.add(customer_pk)
            policy = policies.get(number.strip())
            if number.strip() and policy is None:
                errors.append((line, f"証券番号「{number.strip()}」の契約が見つかりません。"))
                continue
            if _unchanged(entry, result, policy, note) or (
                result == EntryResult.PENDING and not number.strip() and not note.strip()
            ):
                unchanged += 1  # what the entry holds already, or an untouched row of the exported worklist
                continue
            problems = _check_result(entry, result, policy, note)
            if problems:
                errors.extend((line, message) for message in problems.values())
                continue
            changes.append((entry, result, policy, note))
        if errors:
            transaction.set_rollback(True)
            return ImportOutcome(
                applied=0, errors=[f"{line}行目: {message}" for line, message in sorted(errors, key=lambda e: e[0])]
            )
        for entry, result, policy, note in changes:
            _apply(entry, actor, result, policy, note, f"活動結果の取込({source})")
        record_event(
            actor=actor,
            action=AuditAction.ANALYTICS_TARGET_RESULTS_IMPORT,
            target=target,
            summary=f"ターゲットリスト「{target.name}」の結果を {len(changes):,}件取り込んだ(変更なし {unchanged:,}件)",
            data={"rows": len(parsed), "applied": len(changes), "unchanged": unchanged},
        )
    return ImportOutcome(applied=len(changes), errors=[], unchanged=unchanged)


def default_as_of() -> dt.date:
    return timezone.localdate()
