"""The matcher: a Splink Fellegi-Sunter model, a deterministic rule layer and thresholds.

Splink runs on DuckDB in process, or on Spark (engines.py: chosen once per command or bench with
engines.use; the model, the rules and the thresholds are the same on both).

Training is unsupervised: u probabilities from random sampling, m probabilities by expectation
maximisation, the prior from deterministic rules; labels are never used. Thresholds are derived
from the trained model's own score distribution (thresholds.py).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Collection, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from tsunagu.identity.matching import comparisons as cmp
from tsunagu.identity.matching import corporate, engines, linkage, memory, rules
from tsunagu.identity.matching.features import (
    FEATURE_COLUMNS,
    OPTIONAL_FIELDS,
    RECORD_FIELDS,
    SurnameLexicon,
    is_prepared,
    learn_surnames,
    prepare,
)
from tsunagu.identity.matching.thresholds import Thresholds, choose_thresholds

MODEL_VERSION = 1
UNIQUE_ID = "record_id"
# Records the model is trained on (sampled uniformly from a larger book): the prior, u and m
# probabilities and the thresholds. Each is a rate that a uniform sample estimates without bias
# (a match survives sampling with the same chance as any pair, so the prior's ratio is kept; u is
# estimated on as many random pairs either way). Beyond this the estimates move little and time
# grows (a million records: EM 8.9 s on the whole book, 2.6 s on the sample; precision 0.9997 →
# 0.9995, recall 0.9912 → 0.9915: docs/identity-ii.md §19).
TRAIN_RECORDS = 120_000
U_PAIRS = 5e5
TF_COLUMNS = ("fam_kanji", "giv_kanji")
TF_TABLE_LIMIT = 50_000
# An EM session needs pairs to learn from; with fewer it is skipped (training adapts to the data).
MIN_EM_PAIRS = 10

# Splink's progress chatter (INFO) stays out of commands' output; every Linker below passes
# log_level=None, since a Linker made with its default re-enables INFO on stderr.
logging.getLogger("splink").setLevel(logging.WARNING)


@dataclass(frozen=True)
class Candidate:
    record_id: str
    match_probability: float
    match_weight: float
    evidence: dict[str, Any] = field(default_factory=dict)
    model_probability: float | None = None  # before the rule layer lifted or capped it


def _feature_frame(prepared: pd.DataFrame) -> pd.DataFrame:
    """The columns Splink needs: id, source and features (strings, nulls as None)."""
    columns = [UNIQUE_ID, "source_system", *FEATURE_COLUMNS]
    frame = prepared[columns].copy()
    frame["source_system"] = frame["source_system"].astype(object).where(frame["source_system"].notna(), None)
    frame.attrs = {}
    return frame


def _persons(prepared: pd.DataFrame) -> pd.DataFrame:
    """The persons of a prepared frame with the columns the person model reads: a row slice of every
    column (the source's own too) was a second copy of the whole book at a million records."""
    columns = [UNIQUE_ID, "source_system", *FEATURE_COLUMNS]
    persons = ~corporate.is_corporate(prepared).to_numpy()
    if persons.all():
        return prepared[columns]  # a selection of columns shares their data; a row take copies it
    return prepared.loc[persons, columns]


def _rule_records(frame: pd.DataFrame) -> pd.DataFrame:
    """record_id → the feature columns the rule layer reads across pairs (rules.RECORD_COLUMNS)."""
    records = frame.set_index(frame[UNIQUE_ID].astype(str)).reindex(columns=list(rules.RECORD_COLUMNS))
    return records[~records.index.duplicated()]


def _present_features(prepared: pd.DataFrame) -> list[str]:
    return [c for c in FEATURE_COLUMNS if prepared[c].notna().any()]


def _paired_features(prepared: pd.DataFrame, present: Sequence[str]) -> list[str]:
    """The present features, less the personal identifiers no two records share: the identifier
    session then falls back to the next identifier (mobile → shared id) or is left out."""
    out = []
    for column in present:
        if column in rules.PERSONAL_IDS and not prepared[column].dropna().duplicated().any():
            continue
        out.append(column)
    return out


def _equi_join_pairs(prepared: pd.DataFrame, rule: str) -> int | None:
    """Pairs an equi-join rule ("l.a = r.a AND l.b = r.b") forms (None for another rule): the sum
    of k(k-1)/2 over the groups of equal, non-null values (cheap even at a million records)."""
    columns = cmp.EQUAL_COLUMN_RE.findall(rule)
    if not columns or rule.count("=") != len(columns):
        return None
    values = prepared[columns].dropna()
    if values.empty:
        return 0
    sizes = values.groupby(columns, sort=False, observed=True).size().to_numpy(dtype=np.int64)
    return int((sizes * (sizes - 1) // 2).sum())


def _restricted(rule: str, deduplicated: Collection[str]) -> str:
    """The rule without pairs inside a deduplicated source (linkage.py)."""
    if not deduplicated:
        return rule
    codes = ", ".join("'" + code.replace("'", "''") + "'" for code in sorted(deduplicated))
    return f"({rule}) AND NOT (l.source_system = r.source_system AND l.source_system IN ({codes}))"


def _settings(present: Sequence[str], *, deduplicated: Collection[str] = ()) -> dict[str, Any]:
    rules_present = [r for r in cmp.BLOCKING_RULES if all(c in present for c in r.columns)]
    return {
        "link_type": "dedupe_only",
        "unique_id_column_name": UNIQUE_ID,
        "comparisons": cmp.comparisons_for(present),
        "blocking_rules_to_generate_predictions": [
            {"blocking_rule": _restricted(r.sql(), deduplicated), "sql_dialect": "duckdb"} for r in rules_present
        ],
        "retain_matching_columns": False,
        "retain_intermediate_calculation_columns": True,
        # The given-name readings, for the twins rule (a voicing-mark slip is no twin: rules.py).
        "additional_columns_to_retain": [c for c in rules.RETAINED_COLUMNS if c in present],
        "probability_two_random_records_match": 1e-4,
        "em_convergence": 0.001,
        "max_iterations": 20,
    }


def _arrow_of(result: Any) -> Any:
    """A Splink result as an Arrow table, its table dropped. Arrow strings are compact: at a million
    records a pandas frame of Python strings built while DuckDB still held its tables was the
    prediction's peak (+370 MiB against +130 MiB)."""
    table = result.as_pyarrow_table()
    result.drop_table_from_database_and_remove_from_cache()
    return table


def _with_u_probabilities(
    settings: Mapping[str, Any], features: pd.DataFrame, engine: engines.Engine, *, u_pairs: float, seed: int
) -> dict[str, Any]:
    """`settings` with the u probability of every comparison level, estimated by random sampling.

    Each comparison's u is estimated on its own (Splink samples the same records for each, by the
    seed), and its queries run on one core: where the engine allows, each comparison gets its own
    linker and connection, as many at once as there are cores (DuckDB: 12 s → 7 s on two cores at a
    million records, the same values; Spark: one linker for all)."""
    from splink import Linker

    comparisons = list(settings["comparisons"])
    workers = min(engine.concurrent_linkers, len(comparisons))

    def estimate(group: list[dict[str, Any]]) -> list[dict[str, Any]]:
        db_api = engine.db_api()
        linker = Linker(db_api.register(features), engine.settings({**settings, "comparisons": group}), log_level=None)
        linker.training.estimate_u_using_random_sampling(max_pairs=u_pairs, seed=seed)
        trained = linker.misc.save_model_to_json()["comparisons"]
        engine.release(db_api)
        return trained

    if workers > 1:
        # A linker per comparison, taken by whichever connection is free (their costs differ 10×).
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(estimate, [[c] for c in comparisons]))
    else:
        results = [estimate(comparisons)]
    trained = {c["output_column_name"]: c["comparison_levels"] for result in results for c in result}
    # New dicts: comparisons share level dicts (one `else` for all), so one must not be updated in place.
    return {
        **settings,
        "comparisons": [
            {
                **comparison,
                "comparison_levels": [
                    {**level, "u_probability": estimated["u_probability"]} if "u_probability" in estimated else level
                    for level, estimated in zip(
                        comparison["comparison_levels"], trained[comparison["output_column_name"]], strict=True
                    )
                ],
            }
            for comparison in comparisons
        ],
    }


class Matcher:
    """Trained matching model. Persist with to_json(); restore with from_json()."""

    def __init__(
        self,
        settings: dict[str, Any],
        thresholds: Thresholds,
        *,
        surnames: SurnameLexicon | None = None,
        tf_tables: Mapping[str, Mapping[str, float]] | None = None,
        training: Mapping[str, Any] | None = None,
    ) -> None:
        self.settings = settings
        self.thresholds = thresholds
        self.surnames = surnames or SurnameLexicon()
        self.tf_tables = {k: dict(v) for k, v in (tf_tables or {}).items()}
        self.training = dict(training or {})
        self._levels: dict[str, list[_Level]] | None = None
        self._scorer: tuple[Any, Any] | None = None  # (DuckDB API, Linker) reused by match_one
        self._scorer_lock = threading.Lock()  # one DuckDB connection: one scoring at a time

    # --- training ---------------------------------------------------------------------------

    @classmethod
    def train(
        cls,
        records: pd.DataFrame,
        *,
        seed: int = 42,
        u_pairs: float = U_PAIRS,
        deduplicated_sources: Collection[str] = (),
        engine: engines.Engine | None = None,
    ) -> Matcher:
        """Fit the model without labels: u by random sampling, m by EM, prior by rules.

        `deduplicated_sources`: sources (`source_system`) that hold each person at most once; their
        records are never compared with each other, and candidates in them compete (linkage.py).
        Every source deduplicated: a pure linkage (FEBRL4). `engine`: where Splink runs (default:
        engines.current())."""
        from splink import Linker
        from splink.internals.exceptions import EMTrainingException

        prepared = records if is_prepared(records) else prepare(records)
        surnames = learn_surnames(prepared)
        # The model is a model of persons; corporations are decided by corporate.py.
        prepared = _persons(prepared)
        present = _present_features(prepared)
        deduplicated = sorted(set(deduplicated_sources))
        settings = _settings(present, deduplicated=deduplicated)
        n = len(prepared)
        sample = prepared if n <= TRAIN_RECORDS else prepared.sample(TRAIN_RECORDS, random_state=seed)
        sampled = len(sample)
        engine = engine or engines.current()
        features = _feature_frame(sample)
        with_u = _with_u_probabilities(settings, features, engine, u_pairs=u_pairs, seed=seed)
        db_api = engine.db_api()
        linker = Linker(db_api.register(features), engine.settings(with_u), log_level=None)
        deterministic: list[Any] = [_restricted(r, deduplicated) for r in rules.deterministic_rules(present)]
        linker.training.estimate_probability_two_random_records_match(deterministic, recall=rules.DETERMINISTIC_RECALL)
        if not linker._settings_obj._probability_two_random_records_match > 0:
            # No pair meets a deterministic rule (a file of distinct people): one expected match in the book.
            linker._settings_obj._probability_two_random_records_match = min(0.5, 2.0 / max(n * (n - 1), 2))
        # The features the book pairs on (a personal id no two records of the sample share still
        # trains where the book has such pairs: the session is skipped below if the sample has none).
        paired = _paired_features(prepared, present)
        skipped = [f"l.{c} = r.{c} (0 pairs)" for c in present if c not in paired]
        for rule in rules.em_blocking_rules(paired):
            pairs = _equi_join_pairs(sample, rule)
            if pairs is not None and pairs < MIN_EM_PAIRS:
                # Splink refuses a session without pairs, and a handful teaches EM nothing: the
                # comparisons keep the estimates of the other sessions (or their defaults).
                skipped.append(f"{rule} ({pairs} pairs)")
                continue
            try:
                linker.training.estimate_parameters_using_expectation_maximisation(_restricted(rule, deduplicated))
            except EMTrainingException:  # no pairs (deduplicated sources)
                skipped.append(f"{rule} (no pairs)")
        trained = linker.misc.save_model_to_json()
        engine.release(db_api)
        if engine.name != engines.DUCKDB:
            # Stored in DuckDB SQL whichever engine trained it (match_one scores on DuckDB).
            trained = engines.to_duckdb(trained, settings)
        trained.pop("linker_uid", None)  # random per linker: the model is the same without it
        if deduplicated:
            # Splink divides the matches it found by all n(n-1)/2 pairs; pairs inside a
            # deduplicated source cannot match.
            comparable = _comparable_pairs(sample["source_system"], deduplicated)
            if comparable:
                prior = trained["probability_two_random_records_match"] * (sampled * (sampled - 1) / 2) / comparable
                trained["probability_two_random_records_match"] = min(prior, 0.5)
        tf_tables = {c: _tf_table(prepared[c]) for c in TF_COLUMNS}
        matcher = cls(
            trained,
            Thresholds(auto_link=0.99, review=0.5),
            surnames=surnames,
            tf_tables=tf_tables,
            training={
                "records": n,
                "em_record_proportion": sampled / max(n, 1),
                "features": present,
                "deduplicated_sources": deduplicated,
                "skipped_sessions": skipped,
            },
        )
        scored = matcher.predict(sample, min_probability=1e-6, with_evidence=False, engine=engine)
        # A pair the name-change rule put in the queue carries the provisional review threshold:
        # it counts with the model's own probability.
        renamed = scored["rule"] == rules.POSSIBLE_NAME_CHANGE
        scores = scored["match_probability"].where(~renamed, scored["model_probability"])
        matcher.thresholds = choose_thresholds(scores.to_numpy())
        return matcher

    @property
    def deduplicated_sources(self) -> frozenset[str]:
        return frozenset(self.training.get("deduplicated_sources", ()))

    # --- persistence ------------------------------------------------------------------------

    def to_json(self) -> str:
        return json.dumps(
            {
                "version": MODEL_VERSION,
                "settings": self.settings,
                "thresholds": {"auto_link": self.thresholds.auto_link, "review": self.thresholds.review},
                "surnames": self.surnames.to_dict(),
                "tf_tables": self.tf_tables,
                "training": self.training,
            },
            ensure_ascii=False,
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, s: str) -> Matcher:
        data = json.loads(s)
        if data.get("version") != MODEL_VERSION:
            raise ValueError(f"名寄せモデルの形式 (version {data.get('version')}) に対応していません。")
        return cls(
            data["settings"],
            Thresholds(**data["thresholds"]),
            surnames=SurnameLexicon.from_dict(data["surnames"]),
            tf_tables=data["tf_tables"],
            training=data["training"],
        )

    # --- scoring ----------------------------------------------------------------------------

    def _prepare(self, records: pd.DataFrame) -> pd.DataFrame:
        if is_prepared(records):
            return records
        return prepare(records, surnames=self.surnames)

    def predict(
        self,
        records: pd.DataFrame,
        *,
        min_probability: float | None = None,
        with_evidence: bool = True,
        engine: engines.Engine | None = None,
    ) -> pd.DataFrame:
        """Deduplicate within `records`: scored candidate pairs at or above `min_probability`
        (default: the review threshold), after the rule layer. `engine`: where Splink runs
        (default: engines.current())."""

        floor = self.thresholds.review if min_probability is None else min_probability
        prepared = self._prepare(records)
        # Persons and corporations are never compared; corporations have their own rules.
        corporate_rows = corporate.is_corporate(prepared)
        companies = corporate.score(prepared[corporate_rows], self.thresholds) if corporate_rows.any() else None
        if companies is not None:
            companies = companies[companies["match_probability"] >= floor] if floor else companies
            if not with_evidence:
                companies = companies.drop(columns=["evidence"])
            prepared = _persons(prepared)
        persons = self._predict_persons(prepared, floor, with_evidence, engine or engines.current())
        if companies is None or companies.empty:
            return persons
        both = pd.concat([persons, companies], ignore_index=True) if len(persons) else companies
        return both.sort_values(["record_id_l", "record_id_r"], kind="stable").reset_index(drop=True)

    def _predict_persons(
        self, prepared: pd.DataFrame, floor: float, with_evidence: bool, engine: engines.Engine
    ) -> pd.DataFrame:
        from splink import Linker

        if len(prepared) < 2:
            columns = ["record_id_l", "record_id_r", "match_probability", "match_weight", "rule", "model_probability"]
            return pd.DataFrame(columns=[*columns, "evidence"] if with_evidence else columns)
        memory.release(collect=True)  # what training or an earlier step left, before DuckDB blocks
        features = _feature_frame(prepared)
        db_api = engine.db_api()
        table, keyed = engine.register_for_blocking(
            db_api, features, [r["blocking_rule"] for r in self.settings["blocking_rules_to_generate_predictions"]]
        )
        settings = {
            **self.settings,
            "blocking_rules_to_generate_predictions": [{"blocking_rule": r, "sql_dialect": "duckdb"} for r in keyed],
        }
        linker = Linker(table, engine.settings(settings), log_level=None)
        levels = self._levels_of(linker)
        # The rule layer mostly lowers probabilities, so pairs below the floor can be dropped
        # first; the rules that raise (personal fields agree, possible name change) get their
        # candidates from a second, narrow pass whatever their score.
        # Linkage: a record's candidates compete (linkage.py), weak ones included.
        deduplicated = self.deduplicated_sources
        source_of = self._sources(prepared)
        first_floor = min(floor, linkage.MIN_PAIRWISE) if deduplicated and floor else floor
        raw = linker.inference.predict(threshold_match_probability=first_floor or None, warning_mode="never")
        found = _arrow_of(raw)
        # Each pass on its own connection: what the first built is freed before the second blocks,
        # and before the pairs become Python objects.
        engine.release(db_api)
        pairs = found.to_pandas()
        del found
        if deduplicated:
            pairs = linkage.one_to_one(pairs, source_of, deduplicated)
        lift_rules = [
            _restricted(r, deduplicated)
            for r in rules.lift_blocking_rules(self.training.get("features", FEATURE_COLUMNS))
        ]
        if floor and lift_rules:
            settings = {
                **self.settings,
                "blocking_rules_to_generate_predictions": [
                    {"blocking_rule": r, "sql_dialect": "duckdb"} for r in lift_rules
                ],
            }
            db_api = engine.db_api()
            lift = Linker(db_api.register(features), engine.settings(settings), log_level=None)
            extra = _arrow_of(lift.inference.predict(warning_mode="never"))
            engine.release(db_api)
            more = extra.to_pandas()
            del extra
            more = more[more["match_probability"] < first_floor]  # the rest came with the first pass
            pairs = pd.concat([pairs, more], ignore_index=True) if len(more) else pairs
        del features
        pairs = add_gammas(pairs, levels)
        slipped = self._slipped_name_changes(prepared, pairs, levels, engine)
        if len(slipped):
            pairs = pd.concat([pairs, slipped], ignore_index=True)
        return self._finish(pairs, levels, floor, with_evidence, source_of, records=_rule_records(prepared))

    def _slipped_name_changes(
        self, prepared: pd.DataFrame, pairs: pd.DataFrame, levels: Mapping[str, list[_Level]], engine: engines.Engine
    ) -> pd.DataFrame:
        """Pairs no blocking rule compared, inside the questions a steward is asked anyway: of one
        given name (reading), other family names and other birth dates (a slipped digit), among
        records linked to each other by the model, or to the two sides of a possible name change
        (the given name and birth date agree, the family name does not). The rules queue such a
        pair only where its two sides are one question (rules._asked_together). Blocking every
        given name with a birth date one digit off instead would compare 80 strangers for each such
        person on gen2, and half as many pairs again as all other blocking rules at a million
        records (docs/identity-ii.md §11)."""
        if "giv_kana" not in self.training.get("features", ()) or pairs.empty:
            return pairs.iloc[:0]
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components as components

        top = {name: max(lv.gamma for lv in table) for name, table in levels.items()}
        changes = rules.name_changes(pairs, top)
        if not changes.any():
            return pairs.iloc[:0]
        edges = (
            changes
            | rules.may_be_linked(pairs, top)
            | (pairs["match_probability"].to_numpy() >= self.thresholds.auto_link)
        )
        left, right = pairs["record_id_l"].astype(str), pairs["record_id_r"].astype(str)
        codes, ids = pd.factorize(np.concatenate([left.to_numpy()[edges], right.to_numpy()[edges]]))
        n = int(edges.sum())
        graph = coo_matrix((np.ones(n, dtype=np.int8), (codes[:n], codes[n:])), shape=(len(ids), len(ids)))
        _, group = components(graph, directed=False)
        # The groups that hold a name-change question (most groups are one person under one name).
        asked = np.isin(group, group[codes[:n][changes[edges]]])
        members = pd.Series(group[asked], index=np.asarray(ids)[asked])
        # Only records with another of their given name in their group, of another birth date and
        # another family name, can form such a pair.
        names = prepared[[UNIQUE_ID, "giv_kana", "dob", "fam_kanji", "fam_kana"]]
        names = names[names[UNIQUE_ID].astype(str).isin(members.index).to_numpy()].dropna(subset=["giv_kana", "dob"])
        names = names.assign(
            question=members.reindex(names[UNIQUE_ID].astype(str)).to_numpy(),
            family=names["fam_kanji"].astype(object).fillna("") + "|" + names["fam_kana"].astype(object).fillna(""),
        )
        by_name = names.groupby(["question", "giv_kana"], observed=True, sort=False)
        names = names[(by_name["dob"].transform("nunique") > 1) & (by_name["family"].transform("nunique") > 1)]
        if len(names) < 2:
            return pairs.iloc[:0]
        frame = _feature_frame(prepared[prepared[UNIQUE_ID].isin(names[UNIQUE_ID]).to_numpy()]).reset_index(drop=True)
        frame["name_change_question"] = members.reindex(frame[UNIQUE_ID].astype(str)).to_numpy()
        for column in TF_COLUMNS:  # the book's term frequencies, not those of these few records
            table = self.tf_tables.get(column, {})
            default = min(table.values()) if table else None
            values = frame[column].astype(object).where(frame[column].notna(), None)
            frame[f"tf_{column}"] = [table.get(v, default) if v else None for v in values]
        rule = (
            "l.name_change_question = r.name_change_question AND l.giv_kana = r.giv_kana AND l.dob <> r.dob"
            " AND NOT coalesce(l.fam_kanji = r.fam_kanji, false) AND NOT coalesce(l.fam_kana = r.fam_kana, false)"
        )
        settings = {
            **self.settings,
            "blocking_rules_to_generate_predictions": [
                {"blocking_rule": _restricted(rule, self.deduplicated_sources), "sql_dialect": "duckdb"}
            ],
        }
        from splink import Linker

        db_api = engine.db_api()
        tf_columns = [f"tf_{column}" for column in TF_COLUMNS]
        linker = Linker(db_api.register(frame.drop(columns=tf_columns)), engine.settings(settings), log_level=None)
        for column in TF_COLUMNS:
            # Splink joins its term frequencies to the records: given as lookups, not as columns
            # (Spark refuses the two tf_ columns a join would give; DuckDB took the first).
            lookup = frame[[column, f"tf_{column}"]].dropna(subset=[column]).drop_duplicates(column)
            linker.table_management.register_term_frequency_lookup(db_api.register(lookup), column)
        found = _arrow_of(linker.inference.predict(warning_mode="never"))
        engine.release(db_api)
        more = found.to_pandas()
        if more.empty:
            return more
        # Pairs a blocking rule compared already (among the few records of the found pairs).
        near = left.isin(more["record_id_l"].astype(str)) | left.isin(more["record_id_r"].astype(str))
        seen = set(zip(left[near], right[near], strict=True))
        new = [
            (a, b) not in seen and (b, a) not in seen
            for a, b in zip(more["record_id_l"].astype(str), more["record_id_r"].astype(str), strict=True)
        ]
        # Found only here: never above review by the model's score (the rules queue it, or not).
        more = more[new].copy()
        below = self.thresholds.review * 0.99
        capped = more["match_probability"].astype(float) > below
        more.loc[capped, "match_probability"] = below
        more.loc[capped, "match_weight"] = float(rules.weight_of(below))
        return add_gammas(more, levels)

    def _levels_of(self, linker: Any) -> dict[str, list[_Level]]:
        if self._levels is None:
            self._levels = _level_table(linker)
        return self._levels

    @staticmethod
    def _sources(frame: pd.DataFrame) -> pd.Series:
        """record_id → source_system."""
        return pd.Series(frame["source_system"].to_numpy(), index=frame[UNIQUE_ID].astype(str))

    def _finish(
        self,
        pairs: pd.DataFrame,
        levels: Mapping[str, list[_Level]],
        floor: float,
        with_evidence: bool,
        source_of: pd.Series,
        *,
        records: pd.DataFrame | None = None,
    ) -> pd.DataFrame:
        top = {name: max(lv.gamma for lv in table) for name, table in levels.items()}
        population = self.training.get("records")
        pairs = rules.apply(add_gammas(pairs, levels), self.thresholds, top, population=population, records=records)
        pairs = linkage.at_most_one_link(pairs, source_of, self.deduplicated_sources, self.thresholds)
        pairs = pairs[pairs["match_probability"] >= floor] if floor else pairs
        out = pairs[
            ["record_id_l", "record_id_r", "match_probability", "match_weight", "rule", "model_probability"]
        ].copy()
        if with_evidence:
            out["evidence"] = _evidence(pairs, levels)
        return out.sort_values(["record_id_l", "record_id_r"], kind="stable").reset_index(drop=True)

    def match_one(self, record: Mapping[str, Any], candidates: pd.DataFrame) -> list[Candidate]:
        """Score one new or changed record against `candidates` (records found by blocking_keys),
        best first. Both are raw records (RECORD_FIELDS); they are prepared here."""
        if len(candidates) == 0:
            return []
        one = pd.DataFrame([{k: record.get(k) for k in (*RECORD_FIELDS, *OPTIONAL_FIELDS)}])
        both = pd.concat([one, candidates.reset_index(drop=True)], ignore_index=True)
        prepared = self._prepare(both) if not is_prepared(candidates) else None
        if prepared is None:
            prepared = pd.concat([self._prepare(one), candidates], ignore_index=True)
        # A corporation is scored against corporations only, a person against persons only.
        kind = corporate.is_corporate(prepared)
        prepared = prepared[kind == kind.iloc[0]].reset_index(drop=True)
        if kind.iloc[0]:
            return self._match_one_corporate(prepared)
        features = _feature_frame(prepared)
        for column in TF_COLUMNS:
            table = self.tf_tables.get(column, {})
            default = min(table.values()) if table else None
            values = features[column].astype(object).where(features[column].notna(), None)
            features[f"tf_{column}"] = [table.get(v, default) if v else None for v in values]
        left = features.iloc[:1]
        right = features.iloc[1:]
        right = right[right[UNIQUE_ID] != str(record.get(UNIQUE_ID))]
        source = left["source_system"].iloc[0]
        if source in self.deduplicated_sources:
            right = right[right["source_system"] != source]
        scored, levels = self._score_pairs(left, right)
        source_of = self._sources(pd.concat([left, right]))
        scored = linkage.one_record(scored, source_of, self.deduplicated_sources)
        records = _rule_records(pd.concat([left, right]))
        result = self._finish(scored, levels, 0.0, True, source_of, records=records)
        result = result.sort_values("match_weight", ascending=False, kind="stable")
        return [
            Candidate(
                str(row.record_id_r),
                float(row.match_probability),
                float(row.match_weight),
                row.evidence,
                float(row.model_probability),
            )
            for row in result.itertuples()
        ]

    def _match_one_corporate(self, prepared: pd.DataFrame) -> list[Candidate]:
        """match_one for a corporation (the first row) among corporate candidates."""
        record_id = str(prepared["record_id"].iloc[0])
        scored = corporate.score(prepared, self.thresholds)
        mine = scored[(scored["record_id_l"] == record_id) | (scored["record_id_r"] == record_id)]
        mine = mine.sort_values("match_weight", ascending=False, kind="stable")
        return [
            Candidate(
                str(row.record_id_r if row.record_id_l == record_id else row.record_id_l),
                float(row.match_probability),
                float(row.match_weight),
                row.evidence,
                float(row.model_probability),
            )
            for row in mine.itertuples()
        ]

    def _score_pairs(self, left: pd.DataFrame, right: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, list[_Level]]]:
        """Score left × right with a linker kept for this matcher (one DuckDB connection)."""
        from splink import Linker

        with self._scorer_lock:
            if self._scorer is None:
                # One record against its candidates: DuckDB in process, whatever the batch engine.
                db_api = engines.DuckDBEngine().db_api()
                self._scorer = (db_api, Linker(db_api.register(left.iloc[:0]), self.settings, log_level=None))
            db_api, linker = self._scorer
            left_df, right_df = db_api.register(left), db_api.register(right)
            result = linker.inference.score_pairs(left_df, right_df)
            scored = result.as_pandas_dataframe()
            result.drop_table_from_database_and_remove_from_cache()
            for frame in (left_df, right_df):
                frame.drop_table_from_database_and_remove_from_cache(force_non_splink_table=True)
            return scored, self._levels_of(linker)

    # --- clustering -------------------------------------------------------------------------

    def cluster(
        self,
        pairs: pd.DataFrame,
        *,
        threshold: float | None = None,
        record_ids: Iterable[str] | None = None,
        sources: pd.Series | None = None,
    ) -> dict[str, str]:
        """Connected components of the pairs at or above `threshold` (default: auto_link).

        Returns record_id → cluster id (the smallest record_id in the cluster). Records of
        `record_ids` that link to nothing are their own cluster. With `sources` (record_id →
        source_system) and deduplicated sources in the model, no cluster holds two records of
        one deduplicated source (the weaker link is skipped).
        """
        cut = self.thresholds.auto_link if threshold is None else threshold
        linked = pairs[pairs["match_probability"] >= cut]
        if sources is not None and self.deduplicated_sources:
            ids = [str(r) for r in record_ids] if record_ids is not None else []
            return linkage.exclusive_components(linked, sources, self.deduplicated_sources, ids)
        return connected_components(
            linked["record_id_l"].astype(str).tolist(), linked["record_id_r"].astype(str).tolist(), record_ids
        )


def connected_components(
    left: Sequence[str], right: Sequence[str], record_ids: Iterable[str] | None = None
) -> dict[str, str]:
    """record_id → smallest record_id of its connected component (scipy, vectorized)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components as components

    extra = [str(r) for r in record_ids] if record_ids is not None else []
    ids = np.unique(np.asarray([*left, *right, *extra], dtype=object).astype(str))  # sorted
    if len(ids) == 0:
        return {}
    li = np.searchsorted(ids, np.asarray(left, dtype=object).astype(str))
    ri = np.searchsorted(ids, np.asarray(right, dtype=object).astype(str))
    graph = coo_matrix((np.ones(len(li), dtype=np.int8), (li, ri)), shape=(len(ids), len(ids)))
    count, labels = components(graph, directed=False)
    # ids are sorted, so the smallest position in a component is its smallest record_id.
    first = np.full(count, len(ids), dtype=np.int64)
    np.minimum.at(first, labels, np.arange(len(ids)))
    roots = ids[first[labels]]
    return dict(zip(ids.tolist(), roots.tolist(), strict=True))


def _comparable_pairs(sources: pd.Series, deduplicated: Collection[str]) -> float:
    """Pairs of records that may match: all but those inside one deduplicated source."""
    counts = sources.value_counts()
    inside = counts[counts.index.isin(list(deduplicated))].to_numpy(dtype=float)
    n = float(len(sources))
    return n * (n - 1) / 2 - float((inside * (inside - 1) / 2).sum())


def _tf_table(values: pd.Series) -> dict[str, float]:
    counts = values.dropna().value_counts()
    total = float(counts.sum()) or 1.0
    return {str(k): float(v) / total for k, v in counts.head(TF_TABLE_LIMIT).items()}


@dataclass(frozen=True)
class _Level:
    gamma: int
    label: str
    weight: float


def _level_table(linker: Any) -> dict[str, list[_Level]]:
    """Per comparison, its levels with the match weight Splink gives them (null level: 0)."""
    out: dict[str, list[_Level]] = {}
    for comparison in linker._settings_obj.comparisons:
        levels = []
        for level in comparison.comparison_levels:
            weight = 0.0 if level.is_null_level else float(level._log2_bayes_factor)
            levels.append(_Level(int(level.comparison_vector_value), str(level.label_for_charts), weight))
        out[comparison.output_column_name] = levels
    return out


def add_gammas(pairs: pd.DataFrame, levels: Mapping[str, list[_Level]]) -> pd.DataFrame:
    """Recover each comparison's level (gamma_*) from its match weight (mw_*), which Splink keeps.

    Splink writes the level's weight for each pair; the nearest level weight identifies the level
    (weights of distinct levels differ by far more than float noise).
    """
    out = pairs
    for name, table in levels.items():
        column = f"mw_{name}"
        if column not in out.columns:
            continue
        weights = np.array([lv.weight for lv in table])
        gammas = np.array([lv.gamma for lv in table])
        values = out[column].astype(float).fillna(0.0).to_numpy()
        nearest = np.abs(values[:, None] - weights[None, :]).argmin(axis=1) if len(values) else np.array([], int)
        out[f"gamma_{name}"] = gammas[nearest] if len(values) else np.array([], dtype=np.int64)
    return out


def _evidence(pairs: pd.DataFrame, levels: Mapping[str, list[_Level]]) -> list[dict[str, Any]]:
    """Per pair: comparison → {"level": label, "weight": match weight in bits (tf included)}."""
    n = len(pairs)
    columns: list[tuple[str, list[str], np.ndarray]] = []
    for name, table in levels.items():
        gamma_col = f"gamma_{name}"
        if gamma_col not in pairs.columns:
            continue
        labels = {lv.gamma: lv.label for lv in table}
        level = pairs[gamma_col].map(labels).fillna("?").tolist()
        weight = pairs[f"mw_{name}"].astype(float).fillna(0.0).to_numpy()
        if f"mw_tf_adj_{name}" in pairs.columns:
            weight = weight + pairs[f"mw_tf_adj_{name}"].astype(float).fillna(0.0).to_numpy()
        weight = np.round(weight, 2)
        columns.append((name, level, weight))
    out: list[dict[str, Any]] = [{} for _ in range(n)]
    for name, level, weight in columns:
        for i in range(n):
            out[i][name] = {"level": level[i], "weight": float(weight[i])}
    rule_values = pairs["rule"].tolist() if "rule" in pairs.columns else [None] * n
    for i, rule in enumerate(rule_values):
        if rule:
            out[i]["rule"] = {"level": rule, "weight": None}
    return out
