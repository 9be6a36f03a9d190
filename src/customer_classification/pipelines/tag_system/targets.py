"""The model targets tags are learned and weighed against, each on its own population."""

from __future__ import annotations

import pandas as pd

# the columns that key a row of customer_features, model_labels and customer_tags
KEY_COLUMNS = ("customer_id", "snapshot_date")
# target column -> (task, population in words)
TARGETS = {
    "upgrade_within_window": ("classification", "long-tail customers with a complete outcome window (M1)"),
    "utilization_at_window_end": ("regression", "customers with a credit line, zero limits excluded (M2)"),
    "cumulative_drawdown_utilization": ("regression", "customers with a credit line, zero limits excluded (M2)"),
    "campaign_response": ("classification", "customers offered a campaign in a complete outcome window"),
}
# the columns of model_labels the targets and their populations are read from
LABEL_COLUMNS = [*KEY_COLUMNS, "label_window_complete", "is_long_tail", "zero_limit_excluded", *TARGETS]


def model_targets(keys: pd.DataFrame, labels: pd.DataFrame) -> pd.DataFrame:
    """Each target as a float column aligned row for row with ``keys``; missing outside its population.

    Args:
        keys: ``customer_id`` and ``snapshot_date`` of n rows.
        labels: ``model_labels`` (any rows; those not in ``keys`` are ignored).

    Returns:
        n rows, one float column per target in :data:`TARGETS` (booleans as 0/1).
    """
    joined = keys[list(KEY_COLUMNS)].merge(labels[LABEL_COLUMNS], on=list(KEY_COLUMNS), how="left", validate="1:1")
    complete = joined["label_window_complete"].fillna(False).astype(bool)
    long_tail = joined["is_long_tail"].fillna(False).astype(bool)
    zero_limit = joined["zero_limit_excluded"].fillna(False).astype(bool)
    populations = {
        "upgrade_within_window": complete & long_tail,
        "utilization_at_window_end": complete & ~zero_limit,
        "cumulative_drawdown_utilization": complete & ~zero_limit,
        "campaign_response": complete,
    }
    targets = pd.DataFrame(index=keys.index)
    for name, population in populations.items():
        values = joined[name].astype("float64").to_numpy()
        targets[name] = pd.Series(values, index=keys.index).where(population.to_numpy())
    return targets
