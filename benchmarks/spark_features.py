"""Benchmark: where the features stage's time goes on Spark against Polars, table by table.

    python benchmarks/spark_engineering.py --customers 1000000   # the customer-month tables
    python benchmarks/spark_features.py --customers 1000000

On the customer-month tables data_engineering wrote in the scratch project (``--workdir``,
default ``/tmp/cc-bench-<customers>``, the one ``spark_engineering.py`` uses), each engine runs
the pipeline's own feature functions (``pipelines/data_engineering/features.py``), written to
parquet under ``<workdir>/data/benchmark_features`` and timed:

1. each table's features alone (balances, transactions, credit, digital, campaigns): on Polars
   one plan per snapshot, as ``build_customer_features`` runs it there; on Spark every snapshot
   in one plan, as it runs there;
2. the whole features table (``snapshot_features``: the customers, the five tables' features
   joined, the casts and the final sort by snapshot and customer);
3. on Spark, the whole table again with the final sort left out: what the sort costs (Spark
   sorts by sampling its input first, one more pass over the joins).

Polars runs on the machine's cores, Spark with the project's ``conf/spark/spark.yml`` (local[2]).
Both engines' whole tables are checked alike (rows, missing values and the sum of every numeric
column, as ``spark_engineering.py`` checks them). Prints the figures and saves them to
``benchmarks/results/spark_features_<customers>.json``.
"""

from __future__ import annotations

import datetime as dt
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

import narwhals as nw
import polars as pl
import yaml
from common import demo_bank_project, machine, save
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project
from spark_engineering import differences, summary

from customer_classification.hooks import start_spark_session
from customer_classification.pipelines.data_engineering import features
from customer_classification.pipelines.data_engineering.params import DataEngineeringParams

TABLE_FEATURES: dict[str, Callable[[Any], Any]] = {
    "balances": features.asset_features,
    "transactions": features.transaction_features,
    "credit": features.credit_features,
    "digital": features.digital_features,
    "campaigns": features.campaign_features,
}


def _timed(write: Callable[[Path], None], folder: Path) -> float:
    shutil.rmtree(folder, ignore_errors=True)
    start = time.perf_counter()
    write(folder)
    return round(time.perf_counter() - start, 1)


def on_polars(workdir: Path, snapshots: list[dt.date], out: Path) -> dict[str, float]:
    def scan(name: str) -> nw.LazyFrame:
        return nw.from_native(pl.scan_parquet(sorted((workdir / "data" / name).glob("*.parquet"))))

    def per_snapshot_parts(build: Callable[[list[dt.date]], nw.LazyFrame]) -> Callable[[Path], None]:
        def write(folder: Path) -> None:
            folder.mkdir(parents=True)
            for index, snapshot in enumerate(snapshots):
                frame = build([snapshot]).to_native().collect(engine="streaming")  # as the dataset collects it
                frame.write_parquet(folder / f"part-{index}.parquet")

        return write

    tables = {name: scan(f"03_primary/customer_month_{name}") for name in TABLE_FEATURES}
    seconds = {}
    for name, build in TABLE_FEATURES.items():
        write = per_snapshot_parts(lambda chunk, b=build, t=tables[name]: b(features.per_snapshot(t, chunk)))
        seconds[name] = _timed(write, out / f"polars_{name}")
        print(f"polars {name}: {seconds[name]} s", flush=True)
    monthly = features.MonthlyTables(*tables.values())
    customers = scan("02_intermediate/customers")
    write = per_snapshot_parts(lambda chunk: features.snapshot_features(customers, monthly, chunk))
    seconds["whole table"] = _timed(write, out / "polars_whole")
    print(f"polars whole table: {seconds['whole table']} s", flush=True)
    return seconds


def on_spark(workdir: Path, snapshots: list[dt.date], out: Path) -> dict[str, float]:
    spark = start_spark_session("spark_features", yaml.safe_load((workdir / "conf/spark/spark.yml").read_text()))
    spark.range(1).count()  # the JVM started before the clock

    def read(name: str) -> nw.LazyFrame:
        return nw.from_native(spark.read.parquet(str(workdir / "data" / name)))

    tables = {name: read(f"03_primary/customer_month_{name}") for name in TABLE_FEATURES}
    seconds = {}
    for name, build in TABLE_FEATURES.items():
        frame = build(features.per_snapshot(tables[name], snapshots))
        seconds[name] = _timed(lambda folder, f=frame: f.to_native().write.parquet(str(folder)), out / f"spark_{name}")
        print(f"spark {name}: {seconds[name]} s", flush=True)
    monthly = features.MonthlyTables(*tables.values())
    customers = read("02_intermediate/customers")
    whole = features.snapshot_features(customers, monthly, snapshots)
    seconds["whole table"] = _timed(lambda folder: whole.to_native().write.parquet(str(folder)), out / "spark_whole")
    print(f"spark whole table: {seconds['whole table']} s", flush=True)
    # snapshot_features sorts once, at its end; here that sort returns the frame unsorted
    with mock.patch.object(nw.LazyFrame, "sort", lambda frame, *columns, **options: frame):
        unsorted = features.snapshot_features(customers, monthly, snapshots)
    seconds["whole table, not sorted"] = _timed(
        lambda folder: unsorted.to_native().write.parquet(str(folder)), out / "spark_whole_unsorted"
    )
    print(f"spark whole table, not sorted: {seconds['whole table, not sorted']} s", flush=True)
    spark.stop()
    return seconds


def main() -> None:
    customers, workdir = demo_bank_project(__doc__)
    bootstrap_project(workdir)
    with KedroSession.create(project_path=workdir) as session:
        params = DataEngineeringParams.model_validate(session.load_context().params["data_engineering"])
    snapshots = params.snapshots
    if not (workdir / "data/03_primary/customer_month_balances").exists():
        raise SystemExit(f"no customer-month tables in {workdir}: run benchmarks/spark_engineering.py first")
    out = workdir / "data" / "benchmark_features"
    polars_seconds = on_polars(workdir, snapshots, out)
    spark_seconds = on_spark(workdir, snapshots, out)
    found = differences(summary(out / "spark_whole"), summary(out / "polars_whole"))
    ratios = {name: round(spark_seconds[name] / polars_seconds[name], 2) for name in polars_seconds}
    print("Spark / Polars:", ratios)
    result = {
        "machine": machine(),
        "customers": customers,
        "snapshots": [s.isoformat() for s in snapshots],
        "polars_seconds": polars_seconds,
        "spark_seconds": spark_seconds,
        "spark_over_polars": ratios,
        "same_whole_table": not found,
        "differences": found[:20],
    }
    print(f"saved {save(f'spark_features_{customers}', result)}")
    shutil.rmtree(out)


if __name__ == "__main__":
    main()
