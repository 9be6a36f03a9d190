"""Does the project's model selection beat what a user gets without it? On real public tables.

Per table and seed, on the same rows and features:
  * project: the model pipeline's own nodes (model table, study, refit) with the base parameters
    of M1 (binary tables) or M2 (regression tables), as a user who brings the table gets them;
  * lightgbm_defaults: ``LGBMClassifier()`` / ``LGBMRegressor()`` fitted on train + validation;
  * flaml: ``flaml.AutoML`` on train + validation with the project's wall-clock time as its budget.
All three are scored on the same test rows (AUC for a binary target, R² for a regression).

Tables (no network at run time): scikit-learn's bundled breast cancer (binary) and diabetes
(regression), plotly's bundled gapminder (life expectancy, regression; ``country`` is a text
column of 142 levels), split at random (``split.method: random``, stratified, the seed varies);
and the demo bank's M1 and M2 tables (``--demo-customers``, generated once by ``kedro run``
in a scratch project), split by time with the customer holdout of the base parameters.

    pip install -e ".[bench]"
    PYTHONPATH=$PWD/src:$PWD python benchmarks/model_selection.py --seeds 5 --demo-customers 3000
    # more seeds of some public tables, in a file of their own
    PYTHONPATH=$PWD/src:$PWD python benchmarks/model_selection.py --first-seed 5 --seeds 5 \
        --tables breast_cancer,diabetes --demo-customers 0 --output model_selection_seeds_5_9.json

Writes benchmarks/results/model_selection.json. FLAML's search stops on the clock, so its
figures vary from run to run; the project's and LightGBM's are the same on a rerun.
"""

from __future__ import annotations

import argparse
import copy
import json
import logging
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from benchmarks.common import RESULTS, machine, measured_run, scratch_project
from sklearn.metrics import r2_score, roc_auc_score

from customer_classification.modelling import nodes
from customer_classification.modelling.params import ModelPipelineParams
from customer_classification.modelling.table import SPLIT

BASE = Path(__file__).resolve().parents[1] / "conf" / "base"
GLOBALS = yaml.safe_load((BASE / "globals.yml").read_text(encoding="utf-8"))
N_THREADS = 2


def base_block(name: str) -> dict:
    """A model pipeline's base parameters, ``${globals:...}`` resolved from globals.yml."""
    text = (BASE / f"parameters_{name}.yml").read_text(encoding="utf-8")
    for key, value in GLOBALS.items():
        text = text.replace(f"${{globals:{key}}}", json.dumps(value, default=str))
        if isinstance(value, list):
            for i, item in enumerate(value):
                text = text.replace(f"${{globals:'{key}[{i}]'}}", str(item))
    return yaml.safe_load(text)[name]


def flat_params(task: str, target: str, seed: int, exclude: list[str] | None = None) -> ModelPipelineParams:
    """The base block of M1 (binary) or M2 (regression) with a flat table's columns and a random split."""
    block = copy.deepcopy(base_block("potential_model" if task == "binary" else "loan_demand"))
    block["model"] |= {
        "id_column": "row_id",
        "snapshot_column": None,
        "target": target,
        "population": [],
        "exclude_features": exclude or [],
    }
    block["split"] = {"method": "random", "seed": seed}
    block["study"]["seed"] = seed
    # a flat table's own target, not one of the demo's named labels; the threshold the label gave, written out
    if block.pop("label", None) is not None and block["decision"]["rule"] == "threshold":
        block["decision"].setdefault("threshold", 0.7)
    return ModelPipelineParams.model_validate(block)


def sklearn_table(loader: Callable, target: str) -> pd.DataFrame:
    bunch = loader(as_frame=True)
    frame = bunch.frame.rename(columns={"target": target})
    frame.insert(0, "row_id", np.arange(len(frame)))
    return frame


def gapminder() -> pd.DataFrame:
    import plotly.data  # noqa: PLC0415  (kedro-viz's dependency; the table ships inside it)

    frame = plotly.data.gapminder()[["country", "continent", "year", "pop", "gdpPercap", "lifeExp"]]
    frame.insert(0, "row_id", np.arange(len(frame)))
    return frame


def demo_tables(customers: int, workdir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """customer_features and model_labels of a demo bank of ``customers``, made once in ``workdir``."""
    features = workdir / "data/04_feature/customer_features"
    if not features.exists():
        scratch_project(workdir)
        measured_run(
            [
                "kedro",
                "run",
                "--pipelines",
                "demo_data,data_engineering",
                "--params",
                f"demo_bank.n_customers={customers},demo_bank.chunk_size={min(customers, 50000)}",
            ],
            cwd=workdir,
        )
    return pd.read_parquet(features), pd.read_parquet(workdir / "data/05_model_input/model_labels")


def run_project(features: Any, labels: Any, params: ModelPipelineParams) -> dict[str, Any]:
    """The model pipeline's nodes up to the refitted champion; its test predictions and time."""
    table = nodes.build_model_table(features, labels, params)
    started = time.perf_counter()
    _, outcome = nodes.tune_models(table, params)
    model = nodes.fit_champion(table, outcome, params)
    seconds = time.perf_counter() - started
    fitted_rows = table[table[SPLIT].isin(("train", "validation"))]
    test = table[table[SPLIT] == "test"]
    return {
        "seconds": seconds,
        "champion": model.family,
        "cross_validated": outcome.cross_validated,
        "trials_per_family": {f: c["trials"] for f, c in outcome.trials_per_family().items()},
        "predicted": model.predict(test),
        "actual": test[params.model.target].to_numpy(dtype=float),
        # the same rows and features for the baselines
        "X_fit": model.encoder.transform(fitted_rows),
        "y_fit": fitted_rows[params.model.target].to_numpy(dtype=float),
        "X_test": model.encoder.transform(test),
    }


def run_lightgbm_defaults(run: dict[str, Any], task: str, seed: int) -> np.ndarray:
    # imported here, after benchmarks.common set OMP_WAIT_POLICY: spinning threads slow every fit
    import lightgbm as lgb  # noqa: PLC0415

    kind = lgb.LGBMClassifier if task == "binary" else lgb.LGBMRegressor
    model = kind(random_state=seed, n_jobs=N_THREADS, verbose=-1).fit(run["X_fit"], run["y_fit"])
    return model.predict_proba(run["X_test"])[:, 1] if task == "binary" else model.predict(run["X_test"])


def run_flaml(run: dict[str, Any], task: str, seed: int) -> np.ndarray:
    from flaml import AutoML  # noqa: PLC0415  (the bench extra)

    automl = AutoML()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        automl.fit(
            run["X_fit"],
            run["y_fit"],
            task="classification" if task == "binary" else "regression",
            metric="roc_auc" if task == "binary" else "r2",
            time_budget=max(run["seconds"], 1.0),
            seed=seed,
            n_jobs=N_THREADS,
            verbose=0,
        )
    return automl.predict_proba(run["X_test"])[:, 1] if task == "binary" else automl.predict(run["X_test"])


def score(task: str, actual: np.ndarray, predicted: np.ndarray) -> float:
    return float(roc_auc_score(actual, predicted) if task == "binary" else r2_score(actual, predicted))


def benchmark_table(name: str, task: str, make_run: Callable[[int], dict], seeds: list[int]) -> dict[str, Any]:
    per_seed = []
    for seed in seeds:
        run = make_run(seed)
        row = {
            "seed": seed,
            "seconds": round(run["seconds"], 1),
            "champion": run["champion"],
            "cross_validated": run["cross_validated"],
            "trials_per_family": run["trials_per_family"],
            "project": score(task, run["actual"], run["predicted"]),
            "lightgbm_defaults": score(task, run["actual"], run_lightgbm_defaults(run, task, seed)),
            "flaml": score(task, run["actual"], run_flaml(run, task, seed)),
        }
        print(
            f"{name} seed {seed}: " + ", ".join(f"{k} {row[k]:.4f}" for k in ("project", "lightgbm_defaults", "flaml"))
        )
        per_seed.append(row)
    summary = {}
    for method in ("project", "lightgbm_defaults", "flaml"):
        values = np.array([r[method] for r in per_seed])
        summary[method] = {"mean": float(values.mean()), "std": float(values.std(ddof=1)) if len(values) > 1 else 0.0}
    return {
        "task": task,
        "metric": "test AUC" if task == "binary" else "test R2",
        "paired": {baseline: paired_difference(per_seed, baseline) for baseline in ("lightgbm_defaults", "flaml")},
        "rows": int(len(run["y_fit"]) + len(run["actual"])),
        "summary": summary,
        "project_at_or_above_lightgbm_defaults": summary["project"]["mean"] >= summary["lightgbm_defaults"]["mean"],
        "project_at_or_above_flaml": summary["project"]["mean"] >= summary["flaml"]["mean"],
        "seeds": per_seed,
    }


def paired_difference(per_seed: list[dict[str, Any]], baseline: str) -> dict[str, float]:
    """The project minus ``baseline`` on the same rows, seed by seed: mean, its standard error, and
    how many seeds the project wins, ties and loses (the seeds' tables differ more than the methods)."""
    diff = np.array([r["project"] - r[baseline] for r in per_seed])
    standard_error = float(diff.std(ddof=1) / np.sqrt(len(diff))) if len(diff) > 1 else 0.0
    return {
        "mean": float(diff.mean()),
        "standard_error": standard_error,
        "wins": int((diff > 0).sum()),
        "ties": int((diff == 0).sum()),
        "losses": int((diff < 0).sum()),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--first-seed", type=int, default=0, help="seeds first-seed .. first-seed + seeds - 1")
    parser.add_argument(
        "--tables",
        default="breast_cancer,diabetes,gapminder,demo_potential_model,demo_loan_demand",
        help="the tables to run (the demo's with --demo-customers above 0)",
    )
    parser.add_argument("--output", default="model_selection.json", help="file name under benchmarks/results")
    parser.add_argument("--demo-customers", type=int, default=4000, help="0 leaves the demo bank out")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/model_selection_demo"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    from sklearn.datasets import load_breast_cancer, load_diabetes  # noqa: PLC0415

    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    started = time.perf_counter()
    flat = {
        "breast_cancer": ("binary", sklearn_table(load_breast_cancer, "benign"), "benign"),
        "diabetes": ("regression", sklearn_table(load_diabetes, "progression"), "progression"),
        "gapminder": ("regression", gapminder(), "lifeExp"),
    }
    results = {}
    for name, (task, frame, target) in flat.items():
        if name not in args.tables.split(","):
            continue
        results[name] = benchmark_table(
            name, task, lambda seed, f=frame, t=task, y=target: run_project(f, f, flat_params(t, y, seed)), seeds
        )
    if args.demo_customers:
        features, labels = demo_tables(args.demo_customers, args.workdir)
        for name, task in (("demo_potential_model", "binary"), ("demo_loan_demand", "regression")):
            if name not in args.tables.split(","):
                continue
            block = base_block(name.removeprefix("demo_"))

            def demo_run(seed: int, block=block) -> dict:
                return run_project(features, labels, ModelPipelineParams.model_validate(_seeded(block, seed)))

            results[name] = benchmark_table(name, task, demo_run, seeds)
    out = {
        "machine": machine(),
        "seeds": seeds,
        "demo_customers": args.demo_customers,
        "seconds": round(time.perf_counter() - started),
        "tables": results,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / args.output).write_text(json.dumps(out, indent=1, default=str))
    print(f"{'table':22} {'metric':9} {'project':>17} {'lightgbm defaults':>19} {'flaml':>17}")
    for name, result in results.items():
        cells = [f"{result['summary'][m]['mean']:.4f} ± {result['summary'][m]['std']:.4f}" for m in result["summary"]]
        print(f"{name:22} {result['metric']:9} {cells[0]:>17} {cells[1]:>19} {cells[2]:>17}")
        for baseline, paired in result["paired"].items():
            print(
                f"{'':22} project - {baseline}: {paired['mean']:+.4f} ± {paired['standard_error']:.4f} (paired s.e.), "
                f"wins/ties/losses {paired['wins']}/{paired['ties']}/{paired['losses']}"
            )


def _seeded(block: dict, seed: int) -> dict:
    seeded = copy.deepcopy(block)
    seeded["study"]["seed"] = seed
    return seeded


if __name__ == "__main__":
    main()
