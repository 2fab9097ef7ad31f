"""The walk's model findings (issue 14, sixth session): deterministic training, calibrated scores,
reasons for every score, the next product never a line already held or contracted, PSI without
binning artefacts."""

from __future__ import annotations

import pytest

from tsunagu.analytics import training

from .synthetic import AS_OF, synthetic_book


@pytest.mark.parametrize("kind", [training.CHURN, training.NEXT_PRODUCT])
def test_training_twice_on_the_same_book_gives_the_same_model(kind):
    # The second book holds the same facts with every frame's rows shuffled: joins and group_bys must
    # not carry the input order into the model.
    first = training.train(synthetic_book(600), kind, AS_OF, trainer="t")
    second = training.train(synthetic_book(600, shuffle=7), kind, AS_OF, trainer="t")
    assert first.booster.model_to_string() == second.booster.model_to_string()
    assert first.metadata["metrics"] == second.metadata["metrics"]
