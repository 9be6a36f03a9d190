"""What fitting on a sample costs: the champion refitted on the sample and on every row.

    python benchmarks/training_sample.py --customers 1000000

Run after ``benchmarks/system.py --customers N``: it reuses that scratch project
(``/tmp/cc-system-<N>``, or ``--workdir``) and the champions its retrain persisted. For M1
(``potential_model``) and M2 (``loan_demand``) it builds the model table twice, with
``split.max_training_rows`` as configured and with ``null`` (every row), from the bank system.py
left there (the month after's, so ``--env next_month`` by default), refits the champion's
configuration on the train + validation rows of each (LightGBM's early-stopped rounds scaled to
the rows, as the pipeline's refit does) and scores the same test rows with both: AUC for M1 (on
the raw score, which calibration does not reorder), R² and RMSE for M2, the fit's seconds.

Prints the comparison and saves ``benchmarks/results/training_sample_<N>.json``.
"""

from __future__ import annotations

import argparse
import os
import pickle
import time
from pathlib import Path

import numpy as np
from common import machine, save
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project
from sklearn.metrics import mean_squared_error, r2_score, roc_auc_score

from customer_classification.modelling.families import FAMILY_REGISTRY, FitContext
from customer_classification.modelling.fitted import labelled_xy
from customer_classification.modelling.nodes import build_model_table
from customer_classification.modelling.params import ModelPipelineParams
from customer_classification.modelling.table import SPLIT

MODELS = {"potential_model": "potential_model.pkl", "loan_demand": "loan_demand_model.pkl"}


def rounds_for(config: dict, rows: int, sample_train: int, sample_refit: int) -> dict:
    """The champion's configuration for a refit on ``rows``: the persisted configuration's rounds were
    scaled from the ``sample_train`` rows the study stopped on to the ``sample_refit`` rows; scale them
    from the same start to ``rows`` (what the pipeline would have done without the sample)."""
    if "n_rounds" not in config or not config.get("early_stopping", True):
        return dict(config)
    return {**config, "n_rounds": max(1, round(config["n_rounds"] * rows / sample_refit))}


def refit_and_test(table, model, params: ModelPipelineParams, sample_train: int, sample_refit: int) -> dict:
    """The champion's configuration fitted on ``table``'s train + validation rows, tested on its test rows."""
    spec, study = params.model, params.study
    X, y = labelled_xy(table, model.encoder, spec, ("train", "validation"), model.classes)
    X_test, y_test = labelled_xy(table, model.encoder, spec, ("test",), model.classes)
    ctx = FitContext(
        spec.task, 2, study.seed, study.n_threads, study.early_stopping_rounds, study.max_boosting_rounds, 25
    )
    config = rounds_for(model.config, len(y), sample_train, sample_refit)
    started = time.perf_counter()
    estimator = FAMILY_REGISTRY[model.family].fit(config, X, y, ctx)
    seconds = time.perf_counter() - started
    figures = {"fit_rows": len(y), "test_rows": len(y_test), "fit_seconds": round(seconds, 1)}
    if spec.task == "binary":
        figures["test_auc"] = round(float(roc_auc_score(y_test, estimator.raw_score(X_test))), 4)
    else:
        predicted = estimator.predict(X_test)
        figures["test_r2"] = round(float(r2_score(y_test, predicted)), 4)
        figures["test_rmse"] = round(float(np.sqrt(mean_squared_error(y_test, predicted))), 4)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path, default=None, help="system.py's scratch project")
    parser.add_argument(
        "--env",
        default="next_month",
        help="the configuration of the bank in the workdir: system.py leaves the month after's (next_month)",
    )
    args = parser.parse_args()
    workdir = (args.workdir or Path(f"/tmp/cc-system-{args.customers}")).resolve()
    os.chdir(workdir)
    bootstrap_project(workdir)
    results = {}
    with KedroSession.create(project_path=workdir, env=args.env) as session:
        context = session.load_context()
        catalog = context.catalog
        for name, artefact in MODELS.items():
            params: ModelPipelineParams = context.params[name]
            model = pickle.loads((workdir / "data" / "06_models" / artefact).read_bytes())
            features, labels = catalog.load("customer_features"), catalog.load("model_labels")
            sampled = build_model_table(features, labels, params)
            whole = params.model_copy(update={"split": params.split.model_copy(update={"max_training_rows": None})})
            full = build_model_table(features, labels, whole)
            rows = (int((sampled[SPLIT] == "train").sum()), int(sampled[SPLIT].isin(["train", "validation"]).sum()))
            results[name] = {
                "max_training_rows": params.split.max_training_rows,
                "champion": model.family,
                "sample": refit_and_test(sampled, model, params, *rows),
                "every_row": refit_and_test(full, model, params, *rows),
            }
            print(name, results[name], flush=True)
    save(f"training_sample_{args.customers}", {"customers": args.customers, **results, "machine": machine()})


if __name__ == "__main__":
    main()
