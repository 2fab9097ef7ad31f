"""prepare() in parts on worker processes gives the serial result; records_frame builds the full run's input."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.identity.matching.generator import generate_records
from tsunagu.identity.matching import features
from tsunagu.identity.matching.features import SurnameLexicon, prepare, records_frame


def _values(frame: pd.DataFrame) -> dict[str, list[object]]:
    """Every column as plain Python values, None where missing (the dtype may differ: Arrow or object)."""
    return {c: frame[c].astype(object).where(frame[c].notna(), None).tolist() for c in frame.columns}


@pytest.fixture(scope="module")
def records() -> pd.DataFrame:
    frame = generate_records(1500, seed=7).drop(columns=["cluster_id", "household_id", "variations"])
    # A source that splits names into fields and one that leaves them unsplit (the lexicon splits those).
    frame["family_name"] = [
        n.split(" ")[0] if i % 3 == 0 and " " in n else None for i, n in enumerate(frame["name_kanji"])
    ]
    frame["given_name"] = [
        n.split(" ")[1] if i % 3 == 0 and " " in n else None for i, n in enumerate(frame["name_kanji"])
    ]
    frame.loc[frame.index % 3 == 1, "name_kanji"] = frame["name_kanji"].str.replace(" ", "", regex=False)
    return frame


def test_parts_on_two_workers_equal_the_serial_prepare(records: pd.DataFrame, monkeypatch: pytest.MonkeyPatch) -> None:
    serial = prepare(records)
    monkeypatch.setattr(features, "PARALLEL_MIN_ROWS", 100)
    parts = prepare(records, workers=2)
    assert list(parts.columns) == list(serial.columns)
    assert _values(parts) == _values(serial)
    learned, expected = parts.attrs["surnames"].value, serial.attrs["surnames"].value
    assert learned.kanji == expected.kanji
    assert learned.kana == expected.kana
    assert learned.readings == expected.readings
    assert learned.given_kanji == expected.given_kanji
    # The lexicon split unsplit names (not only the parts' own fields).
    unsplit = records.index % 3 == 1
    assert (parts.loc[unsplit, "fam_kanji"].notna()).mean() > 0.5


def test_parts_keep_the_index_and_a_given_lexicon(records: pd.DataFrame, monkeypatch: pytest.MonkeyPatch) -> None:
    repeated = records.set_axis(range(10 * len(records), 0, -10))  # descending labels: parts join by position
    lexicon = SurnameLexicon()
    lexicon.add("佐藤", "サトウ")
    lexicon.add("佐藤", "サトウ")
    serial = prepare(repeated, surnames=lexicon, learn=False)
    monkeypatch.setattr(features, "PARALLEL_MIN_ROWS", 100)
    parts = prepare(repeated, surnames=lexicon, learn=False, workers=2)
    assert parts.index.equals(repeated.index)
    assert _values(parts) == _values(serial)
    assert parts.attrs["surnames"].value is lexicon


def test_records_frame_builds_arrow_text_in_chunks() -> None:
    rows = [
        {
            "record_id": str(i),
            "source_system": "agency" if i % 2 else None,
            "name_kanji": f"山田 太郎{i}",
            "phone": None,
        }
        for i in range(7)
    ]
    frame = records_frame(iter(rows), chunk=3)
    assert list(frame.columns) == [*features.RECORD_FIELDS, *features.OPTIONAL_FIELDS]
    assert frame["record_id"].tolist() == [str(i) for i in range(7)]
    assert frame["record_id"].dtype == object
    assert frame["source_system"].tolist()[:2] == [None, "agency"]
    assert isinstance(frame["name_kanji"].dtype, pd.ArrowDtype)
    assert frame["name_kanji"].tolist()[6] == "山田 太郎6"
    assert frame["phone"].isna().all()
    assert frame["email"].isna().all()
    assert len(records_frame([])) == 0


def test_records_frame_prepares_as_the_python_frame() -> None:
    frame = generate_records(300, seed=3).drop(columns=["cluster_id", "household_id", "variations"])
    rows = frame.to_dict("records")
    assert _values(prepare(records_frame(rows, chunk=70))) == _values(
        prepare(frame.reindex(columns=[*features.RECORD_FIELDS, *features.OPTIONAL_FIELDS]))
    )
