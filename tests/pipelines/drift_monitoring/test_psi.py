"""PSI on hand-made distributions whose values are worked out by hand (docstrings give the sums)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from customer_classification.pipelines.drift_monitoring.psi import (
    band,
    categorical_reference,
    numeric_reference,
    psi,
    psi_against,
)


def test_psi_of_two_share_vectors():
    """(0.25 - 0.5) ln(0.25/0.5) + (0.75 - 0.5) ln(0.75/0.5) = 0.17329 + 0.10137."""
    assert psi([0.5, 0.5], [0.25, 0.75]) == pytest.approx(0.274653, abs=1e-6)
    assert psi([0.2, 0.3, 0.5], [0.2, 0.3, 0.5]) == 0.0
    # symmetric in its two arguments
    assert psi([0.25, 0.75], [0.5, 0.5]) == pytest.approx(psi([0.5, 0.5], [0.25, 0.75]))


def test_numeric_reference_is_cut_at_the_deciles_and_a_shift_is_measured():
    """Reference 1..100: cut points 10.9, 20.8, ..., 90.1, ten bins of 0.1. Current 51..150: five
    empty bins (shares floored at 1e-4), four of 0.1, the top one 0.6:
    5 (1e-4 - 0.1) ln(1e-3) + 0.5 ln 6 = 3.45042 + 0.89588."""
    reference = numeric_reference(pd.Series(np.arange(1, 101, dtype=float)))
    np.testing.assert_allclose(reference["edges"], [10.9 + 9.9 * i for i in range(9)])
    np.testing.assert_allclose(reference["shares"], [0.1] * 10 + [0.0])
    assert psi_against(reference, pd.Series(np.arange(1, 101, dtype=float))) == 0.0
    assert psi_against(reference, pd.Series(np.arange(51, 151, dtype=float))) == pytest.approx(4.346303, abs=1e-6)


def test_missing_values_are_a_bin_of_their_own():
    reference = numeric_reference(pd.Series([1.0, 2.0, None, None]), n_bins=2)
    assert reference["edges"] == [1.5]
    np.testing.assert_allclose(reference["shares"], [0.25, 0.25, 0.5])
    # all present now: the missing bin empties, the two value bins double
    now = pd.Series([1.0, 1.0, 2.0, 2.0])
    expected = 2 * (0.5 - 0.25) * np.log(2) + (1e-4 - 0.5) * np.log(1e-4 / 0.5)
    assert psi_against(reference, now) == pytest.approx(expected)


def test_categorical_levels_unseen_levels_and_missing():
    """Reference a, b half each. Current a 0.5, an unseen level c 0.25, missing 0.25:
    (1e-4 - 0.5) ln(1e-4/0.5) + 2 (0.25 - 1e-4) ln(0.25/1e-4) = 8.16820."""
    reference = categorical_reference(pd.Series(["a"] * 50 + ["b"] * 50))
    assert reference["levels"] == ["a", "b"]
    np.testing.assert_allclose(reference["shares"], [0.5, 0.5, 0.0, 0.0])
    assert psi_against(reference, pd.Series(["a"] * 25 + ["b"] * 75)) == pytest.approx(0.274653, abs=1e-6)
    current = pd.Series(["a"] * 50 + ["c"] * 25 + [None] * 25)
    assert psi_against(reference, current) == pytest.approx(8.168203, abs=1e-6)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0.0, "stable"), (0.0999, "stable"), (0.1, "watch"), (0.25, "watch"), (0.2501, "act"), (4.3, "act")],
)
def test_bands(value, expected):
    assert band(value) == expected


def test_a_nan_psi_is_an_error_not_a_band():
    with pytest.raises(ValueError, match="without rows"):
        band(psi_against(numeric_reference(pd.Series([1.0, 2.0])), pd.Series([], dtype=float)))
