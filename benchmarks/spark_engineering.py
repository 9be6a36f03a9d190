"""Benchmark: data_engineering on Spark (``--env spark``, local[2]) against Polars, on one demo bank.

    python benchmarks/spark_engineering.py --customers 1000000

1. Generates the demo bank at that scale in a scratch project (``--workdir``, default
   ``/tmp/cc-bench-<customers>``, the one ``benchmarks/data_engineering.py`` uses: a bank
   either generated is reused while the scale matches).
2. Runs ``kedro run --env spark --pipelines data_engineering``, then the same on Polars
   (the default environment), each in its own process under ``benchmarks/node_memory.py``:
   wall time, peak resident memory of the process and its children (Spark's JVM is a child
   of the Python process, so it is counted), and the seconds of every step, summed per
   stage (validation, customer-month aggregates, features, labels).
3. Checks that both engines wrote the same ``customer_features`` and ``model_labels``: rows,
   columns, missing values and the sum of every numeric column (``tests/test_spark_parity.py``
   compares every value, on the small bank).
4. Records the rows and parquet bytes of every raw and written table: the per-customer
   volumes and bytes per row that ``docs/scaling.md`` sizes a cluster with.

Prints the figures and saves them to ``benchmarks/results/spark_engineering_<customers>.json``.

    python benchmarks/spark_engineering.py --customers 1000000 --from-monthly

runs only the stages after the customer-month aggregates (the features and the labels), on the
customer tables and customer-month aggregates an earlier full run left in the scratch project,
on both engines as above; saves ``spark_engineering_<customers>_from_monthly.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow.parquet as pq
from common import demo_bank_project, machine, measured_run, save

# the pipeline's nodes, by stage (a node's dataset loads and saves count with it)
STAGES = {
    "validation": ("validate_raw_tables", "protect_customer_pii", "protect_rm_pii"),
    "aggregates": ("aggregate_",),
    "features": ("build_customer_features",),
    "labels": ("build_model_labels", "summarise_labels"),
}
WRITTEN = {
    "customer_month_balances": "03_primary/customer_month_balances",
    "customer_month_transactions": "03_primary/customer_month_transactions",
    "customer_month_credit": "03_primary/customer_month_credit",
    "customer_month_digital": "03_primary/customer_month_digital",
    "customer_month_campaigns": "03_primary/customer_month_campaigns",
    "customer_features": "04_feature/customer_features",
    "model_labels": "05_model_input/model_labels",
}
COMPARED = ("customer_features", "model_labels")


def _stage(step: str) -> str:
    """The stage of a step of node_memory.py: ``run <namespace>.<node>``, ``load <dataset>``,
    ``save <dataset>`` (a Spark table is computed while it is saved), ``start-up`` or ``end``."""
    kind, _, name = step.partition(" ")
    name = name.rsplit(".", 1)[-1]
    if kind == "run":
        return next((stage for stage, nodes in STAGES.items() if name.startswith(nodes)), "other")
    if name.startswith(("validated_", "data_quality_", "int_")):
        return "validation"
    if name.startswith("customer_month_"):
        return "aggregates"
    if name == "customer_features":
        return "features"
    if name.startswith("model_label"):
        return "labels"
    return "start-up and raw loads"


# the nodes after the customer-month aggregates, as --nodes names them
FROM_MONTHLY = ",".join(f"data_engineering.{node}" for node in (*STAGES["features"], *STAGES["labels"]))


def run_engine(workdir: Path, env: str | None, from_monthly: bool = False) -> dict[str, Any]:
    options = [*(["--env", env] if env else []), *(["--nodes", FROM_MONTHLY] if from_monthly else [])]
    label = " ".join(["kedro run --pipelines data_engineering", *options])
    print(f"running {label} ...", flush=True)
    command = [sys.executable, str(Path(__file__).with_name("node_memory.py")), str(workdir), "data_engineering"]
    result = measured_run(command + options, workdir, label=label)
    steps = json.loads(result.pop("last_line"))
    # Polars runs in the Python process, whose short peaks the in-process sampler (50 ms) catches
    result["peak_rss_mb"] = max(result["peak_rss_mb"], *(s["peak_rss_mb"] for s in steps.values()))
    stages: dict[str, float] = {}
    for step, figures in steps.items():
        stage = _stage(step)
        stages[stage] = round(stages.get(stage, 0.0) + figures["seconds"], 1)
    result["stage_seconds"] = stages
    result["outputs"] = {name: summary(workdir / "data" / path) for name, path in WRITTEN.items()}
    print(json.dumps({k: v for k, v in result.items() if k != "outputs"}), flush=True)
    return result


def summary(folder: Path) -> dict[str, Any]:
    """Rows, columns, missing values and numeric sums of a written table, read lazily."""
    frame = pl.scan_parquet(sorted(folder.glob("*.parquet")))
    schema = frame.collect_schema()
    numeric = [c for c, t in schema.items() if t.is_numeric()]
    row = frame.select(
        pl.len().alias("_rows"),
        *[pl.col(c).null_count().alias(f"nulls {c}") for c in schema],
        *[pl.col(c).cast(pl.Float64).fill_nan(None).sum().alias(f"sum {c}") for c in numeric],
    ).collect(engine="streaming")
    values = row.row(0, named=True)
    return {"rows": values.pop("_rows"), "columns": sorted(schema), "values": values}


def differences(spark: dict[str, Any], polars: dict[str, Any]) -> list[str]:
    """What differs between the two engines' summaries of a table (sums to 1e-9 relative)."""
    found = []
    if spark["rows"] != polars["rows"] or spark["columns"] != polars["columns"]:
        return [f"rows {spark['rows']} / {polars['rows']} or columns differ"]
    for key, expected in polars["values"].items():
        actual = spark["values"][key]
        same = (
            actual == expected
            if not isinstance(expected, float)
            else math.isclose(actual, expected, rel_tol=1e-9, abs_tol=1e-6)
        )
        if not same:
            found.append(f"{key}: spark {actual} / polars {expected}")
    return found


def volumes(workdir: Path, customers: int) -> dict[str, Any]:
    """Rows, rows per customer, parquet bytes and bytes per row of every raw and written table."""
    folders = {p.name: p for p in sorted((workdir / "data" / "01_raw" / "demo_bank").iterdir()) if p.is_dir()}
    folders |= {name: workdir / "data" / path for name, path in WRITTEN.items()}
    found = {}
    for name, folder in folders.items():
        parts = sorted(folder.glob("*.parquet"))
        rows = sum(pq.ParquetFile(p).metadata.num_rows for p in parts)
        size = sum(p.stat().st_size for p in parts)
        found[name] = {
            "rows": rows,
            "rows_per_customer": round(rows / customers, 2),
            "parquet_mb": round(size / 2**20, 1),
            "bytes_per_row": round(size / rows, 1) if rows else None,
        }
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--from-monthly", action="store_true", help="run the features and labels only")
    customers, workdir = demo_bank_project(__doc__, parser)
    from_monthly = parser.parse_args().from_monthly
    spark = run_engine(workdir, "spark", from_monthly)
    polars = run_engine(workdir, None, from_monthly)
    mismatches = {name: differences(spark["outputs"][name], polars["outputs"][name]) for name in COMPARED}
    spark_config = (workdir / "conf" / "spark" / "spark.yml").read_text()
    result = {
        "benchmark": "spark_engineering",
        "customers": customers,
        "spark": {k: v for k, v in spark.items() if k != "outputs"},
        "polars": {k: v for k, v in polars.items() if k != "outputs"},
        "wall_ratio_spark_over_polars": round(spark["wall_seconds"] / polars["wall_seconds"], 2),
        "memory_ratio_spark_over_polars": round(spark["peak_rss_mb"] / polars["peak_rss_mb"], 2),
        "stage_ratios_spark_over_polars": {
            stage: round(spark["stage_seconds"][stage] / polars["stage_seconds"][stage], 2)
            for stage in (("features", "labels") if from_monthly else STAGES)
        },
        "same_outputs": not any(mismatches.values()),
        "differences": {name: found[:10] for name, found in mismatches.items() if found},
        "volumes": volumes(workdir, customers),
        "spark_settings": [line for line in spark_config.splitlines() if line and not line.startswith("#")],
        "targets": {"wall_ratio_at_most": 3.0},
        "machine": machine(),
    }
    if from_monthly:
        result["stages_run"] = FROM_MONTHLY.split(",")
    path = save(f"spark_engineering_{customers}{'_from_monthly' if from_monthly else ''}", result)
    print(json.dumps({k: result[k] for k in ("customers", "spark", "polars", "same_outputs")}, indent=2))
    ratios = f"wall x{result['wall_ratio_spark_over_polars']}, memory x{result['memory_ratio_spark_over_polars']}"
    print(f"spark / polars: {ratios}, per stage {result['stage_ratios_spark_over_polars']}")
    print(f"saved {path}")
    if not result["same_outputs"]:
        raise SystemExit(f"the engines wrote different tables: {result['differences']}")


if __name__ == "__main__":
    main()
