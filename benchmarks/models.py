"""Benchmark of the M1 model at scale: refit of the tuned champion and scoring with reason codes.

The 1M-customer demo's data engineering takes about 12 minutes, so this benchmark builds a
SYNTHETIC flat model table instead: the 20,000-customer demo's M1 table (run `kedro run` first)
resampled to N customers per snapshot, numeric features multiplied by log-normal noise
(sd 0.05) so rows are not exact copies. It times, in one process:
  * the refit of the persisted champion's configuration (data/06_models/potential_model.pkl)
    on the synthetic train + validation rows (no study: the study's cost is n_trials such fits);
  * scoring N customers: calibrated probability, tier and top-3 reasons (LightGBM pred_contrib).

    PYTHONPATH=$PWD/src python benchmarks/models.py --customers 1000000
"""

from __future__ import annotations

import argparse
import json
import pickle
import resource
import time

import numpy as np
import pandas as pd
from benchmarks.common import RESULTS

from customer_classification.modelling.families import FAMILY_REGISTRY, FitContext
from customer_classification.modelling.fitted import labelled_xy
from customer_classification.modelling.table import SPLIT, assemble_model_table
from customer_classification.modelling.tiers import TierSpec, assign_tiers


def _peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def synthetic_table(base: pd.DataFrame, numeric: list[str], customers: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    parts = []
    for split, rows in base.groupby(SPLIT, observed=True):
        take = rows.iloc[rng.integers(0, len(rows), customers)].reset_index(drop=True)
        take[numeric] = take[numeric].to_numpy() * rng.lognormal(0.0, 0.05, (customers, len(numeric)))
        take["customer_id"] = np.arange(customers)
        parts.append(take)
    return pd.concat(parts, ignore_index=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    args = parser.parse_args()
    import polars as pl  # noqa: PLC0415

    with open("data/06_models/potential_model.pkl", "rb") as f:
        model = pickle.load(f)
    features = pl.read_parquet("data/04_feature/customer_features")
    labels = pl.read_parquet("data/05_model_input/model_labels")
    import yaml  # noqa: PLC0415

    from customer_classification.modelling.spec import SplitSpec  # noqa: PLC0415

    globals_ = yaml.safe_load(open("conf/base/globals.yml"))
    split = SplitSpec(
        training_snapshots=globals_["training_snapshots"],
        validation_snapshot=globals_["validation_snapshot"],
        test_snapshot=globals_["test_snapshot"],
        scoring_snapshot=globals_["scoring_snapshot"],
        customer_holdout=None,
    )
    base = assemble_model_table(features, labels, model.spec, split)
    started = time.perf_counter()
    table = synthetic_table(base, model.encoder.numeric, args.customers, seed=0)
    build_s = time.perf_counter() - started
    X, y = labelled_xy(table, model.encoder, model.spec, ("train", "validation"))
    ctx = FitContext(
        "binary", 2, seed=42, n_threads=2, early_stopping_rounds=30, max_boosting_rounds=300, report_every=25
    )
    started = time.perf_counter()
    FAMILY_REGISTRY[model.family].fit(model.config, X, y, ctx)
    fit_s = time.perf_counter() - started
    del X, y
    rows = table[table[SPLIT] == "scoring"]
    started = time.perf_counter()
    probability = model.predict(rows)
    tiers = assign_tiers(probability, TierSpec(), tie_breaker=model.raw_score(rows))
    reasons = model.reasons(rows, 3)
    score_s = time.perf_counter() - started
    result = {
        "benchmark": "models (M1 potential_model), SYNTHETIC flat table resampled from the 20,000-customer demo",
        "customers_per_snapshot": args.customers,
        "training_rows": int((table[SPLIT].isin(["train", "validation"])).sum()),
        "features": len(model.encoder.columns),
        "champion": model.family,
        "build_table_seconds": round(build_s, 1),
        "refit_seconds": round(fit_s, 1),
        "scoring_rows": len(rows),
        "scoring_seconds_with_reasons": round(score_s, 1),
        "scoring_customers_per_second": round(len(rows) / score_s),
        "peak_memory_gb": round(_peak_gb(), 2),
        "tiers": pd.Series(tiers).value_counts().to_dict(),
        "reason_columns": list(reasons.columns[:3]),
    }
    print(json.dumps(result, indent=2))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"models_{args.customers}.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
