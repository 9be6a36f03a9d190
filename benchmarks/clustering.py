"""Benchmark: segmentation at scale, per group: k selection and K-means fit, then assignment.

    python benchmarks/clustering.py --customers 1000000

Uses the scratch project of ``benchmarks/data_engineering.py`` (``/tmp/cc-bench-<customers>``)
and its ``customer_features``; builds them first (demo bank + data engineering) if
they are missing. For every group of ``parameters_clustering.yml``, in its own
process: ``fit_segments`` (preprocessing, the k search over the configured range,
the final fit) on the fit snapshot, then ``assign_clusters`` for every customer of
that snapshot. Target: k selection and fit within 2 minutes on 2 cores.

Prints the figures and saves them to ``benchmarks/results/clustering_<customers>.json``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from common import machine, measured_run, save, scratch_project

SEGMENT = """
import sys, time, datetime as dt
import polars as pl
from kedro.config import OmegaConfigLoader
from customer_classification.datasets import ChunkedParquetDataset
from customer_classification.pipelines.clustering import nodes
from customer_classification.pipelines.clustering.params import ClusteringParams
from customer_classification.pipelines.tag_system.params import TagSystemParams
group = sys.argv[1]
parameters = OmegaConfigLoader("conf", base_env="base", default_run_env="local")["parameters"]
params = ClusteringParams.model_validate(parameters["clustering"])
tag_system = TagSystemParams.model_validate(parameters["tag_system"])
features_of = {f for tag in tag_system.tags.values() for f in tag.features}
at = dt.datetime.combine(params.fit_snapshot, dt.time())
started = time.perf_counter()
features = (
    ChunkedParquetDataset(path="data/04_feature/customer_features", backend="polars_lazy").load()
    .filter(pl.col("snapshot_date") == at)
    .select("customer_id", "snapshot_date", *sorted(features_of))
    .collect()
)
loaded = time.perf_counter()
model, evidence = nodes.fit_segments(features, tag_system, params, group)
fitted = time.perf_counter()
assigned = nodes.assign_clusters(features, model)
done = time.perf_counter()
print(f"{len(features)} {model.k} {loaded - started:.2f} {fitted - loaded:.2f} {done - fitted:.2f}")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    workdir = scratch_project(args.workdir or Path(f"/tmp/cc-bench-{args.customers}"))
    marker = workdir / "data" / "generated_customers.txt"
    if not marker.exists() or marker.read_text().strip() != str(args.customers):
        print(f"generating the demo bank at {args.customers:,} customers ...", flush=True)
        measured_run(
            ["kedro", "run", "--pipelines", "demo_data", "--params", f"demo_bank.n_customers={args.customers}"], workdir
        )
        marker.write_text(str(args.customers))
    if not (workdir / "data" / "04_feature" / "customer_features").is_dir():
        print("running data_engineering ...", flush=True)
        measured_run(["kedro", "run", "--pipelines", "data_engineering"], workdir)

    import yaml  # noqa: PLC0415 - only to list the groups

    settings = yaml.safe_load((workdir / "conf" / "base" / "parameters_clustering.yml").read_text())
    groups = settings["clustering"]["groups"]
    results = {}
    for group in groups:
        print(f"segmenting {group} ...", flush=True)
        run = measured_run(["python", "-c", SEGMENT, group], workdir, label=f"fit_segments + assign_clusters ({group})")
        customers, k, load_s, fit_s, assign_s = run.pop("last_line").split()
        results[group] = {
            **run,
            "customers_at_fit_snapshot": int(customers),
            "k": int(k),
            "load_seconds": float(load_s),
            "k_selection_and_fit_seconds": float(fit_s),
            "assign_seconds": float(assign_s),
        }
        print(f"  {results[group]}", flush=True)
    result = {
        "benchmark": "clustering",
        "customers": args.customers,
        "groups": results,
        "targets": {"k_selection_and_fit_seconds_at_most": 120},
        "machine": machine(),
    }
    path = save(f"clustering_{args.customers}", result)
    print(json.dumps(results, indent=2))
    print(f"saved {path}")


if __name__ == "__main__":
    main()
