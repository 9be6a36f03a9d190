"""Benchmark: what Spark (local[2]) and Polars take for the same elementary steps, on one demo bank.

    python benchmarks/spark_floor.py --customers 1000000

The pipeline's ratio of Spark to Polars (``benchmarks/spark_engineering.py``) is made of steps
that each engine could not do faster than its elementary operations on the same rows. This
measures those operations alone, hand-written in each engine's own API, on the raw
transactions (the largest table) of the demo bank in ``--workdir`` (default
``/tmp/cc-bench-<customers>``, generated as ``spark_engineering.py`` does):

* ``scan``: read the amounts and add them up (a pass over one column of every row group);
* ``dedupe``: count the transaction ids more than one row shares (one group-by of every row);
* ``month_sums``: the sum and count of amounts per customer and month, written to parquet
  (one group-by, as the customer-month aggregates do, with the write);
* ``customer_join``: the rows whose customer is in the customers table, counted (the
  foreign-key check, as a join);
* ``sort_write``: every row sorted by customer and time, written to parquet (as the features
  and labels are sorted by snapshot and customer before they are written).

Each engine runs every step in one process of its own (Spark: the project's
``conf/spark/spark.yml``; Polars: two threads, as a two-core machine gives it), a step's time is
its wall time once the session is up. Checks that both engines computed the same results (the
counts, the rows written, the sum of amounts to 1e-9 relative). Prints the figures and saves
``benchmarks/results/spark_floor_<customers>.json``.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from common import PROJECT, demo_bank_project, machine, save

from customer_classification.hooks import start_spark_session

STEPS = ("scan", "dedupe", "month_sums", "customer_join", "sort_write")


def polars_steps(raw: Path, scratch: Path) -> dict[str, dict[str, float]]:
    import polars as pl  # noqa: PLC0415 - imported after POLARS_MAX_THREADS is set

    transactions = pl.scan_parquet(raw / "transactions" / "*.parquet")
    customers = pl.scan_parquet(raw / "customers" / "*.parquet").select("customer_id")
    queries = {
        "scan": lambda: transactions.select(pl.col("amount").sum()).collect().item(),
        "dedupe": lambda: (
            transactions.group_by("transaction_id")
            .len()
            .filter(pl.col("len") > 1)
            .select(pl.len())
            .collect(engine="streaming")
            .item()
        ),
        "month_sums": lambda: (
            transactions.group_by("customer_id", pl.col("timestamp").dt.truncate("1mo"))
            .agg(pl.col("amount").sum(), pl.len())
            .sink_parquet(scratch / "polars_month_sums.parquet")
        ),
        "customer_join": lambda: (
            transactions.join(customers, on="customer_id", how="semi")
            .select(pl.len())
            .collect(engine="streaming")
            .item()
        ),
        "sort_write": lambda: transactions.sort("customer_id", "timestamp").sink_parquet(
            scratch / "polars_sorted.parquet"
        ),
    }
    figures = _timed(queries)
    for step, written in (("month_sums", "polars_month_sums.parquet"), ("sort_write", "polars_sorted.parquet")):
        figures["results"][step] = pl.scan_parquet(scratch / written).select(pl.len()).collect().item()
    return figures


def spark_steps(raw: Path, scratch: Path) -> dict[str, dict[str, float]]:
    from pyspark.sql import functions as F  # noqa: N812, PLC0415 - Spark's own convention

    settings = yaml.safe_load((PROJECT / "conf" / "spark" / "spark.yml").read_text())
    spark = start_spark_session("spark_floor", settings)
    transactions = spark.read.parquet(str(raw / "transactions"))
    customers = spark.read.parquet(str(raw / "customers")).select("customer_id")
    queries = {
        "scan": lambda: transactions.agg(F.sum("amount")).collect()[0][0],
        "dedupe": lambda: transactions.groupBy("transaction_id").count().filter(F.col("count") > 1).count(),
        "month_sums": lambda: (
            transactions.groupBy("customer_id", F.date_trunc("month", "timestamp"))
            .agg(F.sum("amount"), F.count(F.lit(1)))
            .write.mode("overwrite")
            .parquet(str(scratch / "spark_month_sums"))
        ),
        "customer_join": lambda: transactions.join(F.broadcast(customers), "customer_id", "left_semi").count(),
        "sort_write": lambda: (
            transactions.orderBy("customer_id", "timestamp")
            .write.mode("overwrite")
            .parquet(str(scratch / "spark_sorted"))
        ),
    }
    figures = _timed(queries)
    for step, written in (("month_sums", "spark_month_sums"), ("sort_write", "spark_sorted")):
        figures["results"][step] = spark.read.parquet(str(scratch / written)).count()
    return figures


def _timed(queries) -> dict[str, dict[str, float]]:
    """Each query's seconds, and what it returned (the rows written: filled in after the timing)."""
    seconds, results = {}, {}
    for name, query in queries.items():
        started = time.perf_counter()
        results[name] = query()
        seconds[name] = round(time.perf_counter() - started, 1)
        print(f"  {name}: {seconds[name]} s", file=sys.stderr, flush=True)
    return {"seconds": seconds, "results": results}


def same_results(spark: dict[str, float], polars: dict[str, float]) -> bool:
    """Both engines computed the same thing: counts equal, the sum of amounts to 1e-9 relative."""
    return spark.keys() == polars.keys() and all(
        math.isclose(spark[step], polars[step], rel_tol=1e-9) for step in spark
    )


def run_engine(engine: str, raw: Path) -> dict[str, dict[str, float]]:
    """The steps of one engine, in a process of its own (so neither engine's memory or threads
    affect the other)."""
    print(f"running the {engine} steps ...", flush=True)
    env = {"POLARS_MAX_THREADS": "2", "SPARK_LOCAL_IP": "127.0.0.1"}
    with tempfile.TemporaryDirectory() as scratch:
        command = [sys.executable, __file__, "--engine", engine, str(raw), scratch]
        output = subprocess.run(command, check=True, capture_output=True, text=True, env={**os.environ, **env})
    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> None:
    customers, workdir = demo_bank_project(__doc__)
    raw = workdir / "data" / "01_raw" / "demo_bank"
    spark = run_engine("spark", raw)
    polars = run_engine("polars", raw)
    seconds = {"spark": spark["seconds"], "polars": polars["seconds"]}
    result = {
        "benchmark": "spark_floor",
        "customers": customers,
        "table": "transactions",
        "spark_seconds": seconds["spark"],
        "polars_seconds": seconds["polars"],
        "ratio_spark_over_polars": {
            step: round(seconds["spark"][step] / max(seconds["polars"][step], 0.05), 1) for step in STEPS
        },
        "results": {"spark": spark["results"], "polars": polars["results"]},
        "same_results": same_results(spark["results"], polars["results"]),
        "machine": machine(),
    }
    path = save(f"spark_floor_{customers}", result)
    shown = ("spark_seconds", "polars_seconds", "ratio_spark_over_polars", "same_results")
    print(json.dumps({k: result[k] for k in shown}, indent=2))
    print(f"saved {path}")
    if not result["same_results"]:
        raise SystemExit(f"the engines computed different results: {result['results']}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--engine"]:
        engine, raw, scratch = sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4])
        steps = spark_steps(raw, scratch) if engine == "spark" else polars_steps(raw, scratch)
        print(json.dumps(steps))
    else:
        main()
