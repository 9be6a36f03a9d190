"""The persisted models on the test snapshot, next to the planted truth on the same customers.

The truth is constant per customer: ``upgrade_probability`` is the planted probability of an
upgrade within the window; for M2, ``expected_cumulative_drawdown`` the drawdowns a window is
planted to add up to (over the limit), or, for the outstanding-utilization label,
``expected_utilization`` the level utilization returns to. They are scored against the same
realised labels as the models, so the ratio compares like with like.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sklearn.metrics import r2_score, roc_auc_score

from customer_classification.modelling.fitted import FittedModel
from customer_classification.modelling.labels import CUMULATIVE_DRAWDOWN, OUTSTANDING_UTILIZATION
from customer_classification.modelling.params import ModelPipelineParams
from customer_classification.modelling.table import SPLIT, assemble_model_table

# the bars the demo bank holds the models to: a model reaches this share of what the planted truth reaches
AUC_BAR = 0.97
R2_BAR = 0.9
# the planted truth of each M2 label
M2_TRUTH = {CUMULATIVE_DRAWDOWN: "expected_cumulative_drawdown", OUTSTANDING_UTILIZATION: "expected_utilization"}


def _test_with_truth(features, labels, params, truth: pd.DataFrame) -> pd.DataFrame:
    table = assemble_model_table(features, labels, params.model, params.split)
    test = table[table[SPLIT] == "test"]
    joined = test.merge(truth, on=params.model.id_column, how="left", validate="many_to_one")
    if joined["upgrade_probability"].isna().any():
        raise ValueError("demo_truth lacks customers of the test snapshot: is it the same demo bank?")
    return joined


def evaluate_against_truth(
    features: Any,
    labels: Any,
    potential_model: FittedModel,
    loan_demand_model: FittedModel,
    demo_truth: pd.DataFrame,
    potential_params: ModelPipelineParams,
    loan_params: ModelPipelineParams,
) -> dict[str, Any]:
    """Test AUC of M1 and test R² of M2 against the truth's on the same customers, with the ratios."""
    m1 = _test_with_truth(features, labels, potential_params, demo_truth)
    upgraded = m1[potential_params.model.target].astype(bool)
    model_auc = roc_auc_score(upgraded, potential_model.predict(m1))
    truth_auc = roc_auc_score(upgraded, m1["upgrade_probability"])
    m2 = _test_with_truth(features, labels, loan_params, demo_truth)
    utilization = m2[loan_params.model.target].astype(float)
    model_r2 = r2_score(utilization, loan_demand_model.predict(m2))
    truth_r2 = r2_score(utilization, m2[M2_TRUTH[loan_params.model.target]])
    return {
        "potential_model": {
            "test_snapshot": potential_params.split.test_snapshot.isoformat(),
            "customers": len(m1),
            "model_auc": float(model_auc),
            "truth_auc": float(truth_auc),
            "ratio": float(model_auc / truth_auc),
            "bar": AUC_BAR,
            "meets_bar": bool(model_auc >= AUC_BAR * truth_auc),
        },
        "loan_demand": {
            "test_snapshot": loan_params.split.test_snapshot.isoformat(),
            "customers": len(m2),
            "model_r2": float(model_r2),
            "truth_r2": float(truth_r2),
            "ratio": float(model_r2 / truth_r2) if truth_r2 > 0 else None,
            "bar": R2_BAR,
            "meets_bar": bool(truth_r2 > 0 and model_r2 >= R2_BAR * truth_r2),
        },
    }
