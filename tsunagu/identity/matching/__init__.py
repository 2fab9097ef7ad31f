"""Identity matching (名寄せ): Japanese features, a Splink model, rules and thresholds.

Pure: no Django. The Django side (tsunagu.identity) stores records and the model JSON, finds
candidates with blocking_keys(), and calls Matcher.match_one / predict / cluster.
See docs/identity-matching.md.
"""

from tsunagu.identity.matching.blocking import blocking_keys, blocking_keys_many
from tsunagu.identity.matching.features import FEATURE_COLUMNS, OPTIONAL_FIELDS, RECORD_FIELDS, prepare, records_frame
from tsunagu.identity.matching.model import Candidate, Matcher
from tsunagu.identity.matching.thresholds import Thresholds

__all__ = [
    "FEATURE_COLUMNS",
    "OPTIONAL_FIELDS",
    "RECORD_FIELDS",
    "Candidate",
    "Matcher",
    "Thresholds",
    "blocking_keys",
    "blocking_keys_many",
    "prepare",
    "records_frame",
]
