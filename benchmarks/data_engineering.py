"""Benchmark: data_engineering at scale, and its transaction aggregates against DuckDB.

    python benchmarks/data_engineering.py --customers 1000000

1. Generates the demo bank at that scale in a scratch project (kept in
   ``--workdir`` and reused while the scale matches).
2. Runs ``kedro run --pipelines data_engineering`` there: wall time and peak memory.
   It runs in-process under ``benchmarks/node_memory.py``, which records the peak
   memory and time of every step (node run, dataset load and save).
3. Computes the customer-month transaction aggregates (``monthly_transactions``:
   counts, debit / credit / income amounts in cents, 5 channel and 12 merchant
   counts, last timestamp) from the raw parquet twice, each in its own process: as the
   pipeline does (Polars, in customer buckets of at most ``rows_per_pass`` rows
   from ``parameters_data_engineering.yml``), and with a hand-written DuckDB SQL;
   checks that both give the same numbers and reports the time and memory ratios.

Prints the figures and saves them to ``benchmarks/results/data_engineering_<customers>.json``.
"""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pyarrow.parquet as pq
import yaml
from common import demo_bank_project, machine, measured_run, save

from customer_classification.taxonomy import DEBIT_CATEGORIES, INCOME_CATEGORIES, TRANSACTION_CHANNELS

OURS = """
import sys, time
import narwhals as nw
from customer_classification.datasets import ChunkedParquetDataset, TableChunk
from customer_classification.pipelines.data_engineering.monthly import customer_buckets, monthly_transactions
started = time.perf_counter()
frame = nw.from_native(ChunkedParquetDataset(path=sys.argv[1], backend="polars_lazy").load())
rows = frame.select(nw.len()).collect().item()
output = ChunkedParquetDataset(path=sys.argv[2], backend="polars")
for bucket, buckets, part in customer_buckets(frame, rows, int(sys.argv[3])):
    output.save(TableChunk(monthly_transactions(part).to_native(), bucket, buckets))
print(f"{time.perf_counter() - started:.2f}")
"""


def duckdb_sql(transactions: Path) -> str:
    channels = ",\n".join(f"count(*) FILTER (channel = '{c}') AS n_channel_{c}" for c in TRANSACTION_CHANNELS)
    merchants = ",\n".join(
        f"count(*) FILTER (direction = 'debit' AND merchant_category = '{m}') AS n_merchant_{m}"
        for m in DEBIT_CATEGORIES
    )
    income = ", ".join(f"'{c}'" for c in INCOME_CATEGORIES)
    return textwrap.dedent(f"""
        SELECT customer_id,
               year("timestamp") * 12 + month("timestamp") - 1 AS ym,
               count(*) AS n_tx,
               coalesce(sum(round(amount * 100)::BIGINT) FILTER (direction = 'debit'), 0) AS debit_amount_cents,
               coalesce(sum(round(amount * 100)::BIGINT) FILTER (direction <> 'debit'), 0) AS credit_amount_cents,
               count(*) FILTER (direction = 'debit') AS n_debit,
               coalesce(sum(round(amount * 100)::BIGINT) FILTER (merchant_category IN ({income})), 0)
                   AS income_amount_cents,
               {channels},
               {merchants},
               epoch_us(max("timestamp")) / 1e6 AS last_tx_epoch
        FROM read_parquet('{transactions}/*.parquet')
        GROUP BY ALL
        ORDER BY customer_id, ym
    """)


DUCKDB = """
import sys, time, duckdb
started = time.perf_counter()
connection = duckdb.connect()
connection.execute("SET threads = 2")
connection.execute(f"COPY ({open(sys.argv[1]).read()}) TO '{sys.argv[2]}' (FORMAT parquet)")
print(f"{time.perf_counter() - started:.2f}")
"""


def compare(ours: Path, theirs: Path) -> dict[str, float]:
    keys = ["customer_id", "ym"]
    left = pq.read_table(ours).to_pandas().sort_values(keys, ignore_index=True)
    right = pq.read_table(theirs).to_pandas()[left.columns].sort_values(keys, ignore_index=True)
    assert len(left) == len(right), (len(left), len(right))
    worst = 0.0
    for column in left.columns:
        difference = (left[column].astype(float) - right[column].astype(float)).abs().max()
        scale = max(1.0, left[column].astype(float).abs().max())
        worst = max(worst, difference / scale)
    assert worst < 1e-9, f"the two aggregates differ by {worst}"
    return {"rows": len(left), "columns": len(left.columns), "max_relative_difference": worst}


def main() -> None:
    customers, workdir = demo_bank_project(__doc__)
    raw = workdir / "data" / "01_raw" / "demo_bank"
    transactions = sum(pq.ParquetFile(p).metadata.num_rows for p in (raw / "transactions").glob("*.parquet"))

    print("running data_engineering ...", flush=True)
    pipeline = measured_run(
        [sys.executable, str(Path(__file__).with_name("node_memory.py")), str(workdir), "data_engineering"],
        workdir,
        label="kedro run --pipelines data_engineering (in-process, memory sampled per step)",
    )
    steps = json.loads(pipeline.pop("last_line"))
    # the in-process sampler (every 50 ms) catches short peaks the outside poll (200 ms) misses
    pipeline["peak_rss_mb"] = max(pipeline["peak_rss_mb"], *(s["peak_rss_mb"] for s in steps.values()))
    pipeline["heaviest_steps"] = dict(sorted(steps.items(), key=lambda s: -s[1]["peak_rss_mb"])[:8])
    print(f"pipeline: {pipeline}", flush=True)
    rows_per_pass = yaml.safe_load((workdir / "conf/base/parameters_data_engineering.yml").read_text())[
        "data_engineering"
    ]["rows_per_pass"]

    out = workdir / "data" / "bench"
    out.mkdir(exist_ok=True)
    (out / "query.sql").write_text(duckdb_sql(raw / "transactions"))
    ours = measured_run(
        [sys.executable, "-c", OURS, str(raw / "transactions"), str(out / "ours"), str(rows_per_pass)],
        workdir,
        label=f"monthly_transactions (narwhals on a lazy Polars scan, buckets of <= {rows_per_pass:,} rows) -> parquet",
    )
    theirs = measured_run(
        [sys.executable, "-c", DUCKDB, str(out / "query.sql"), str(out / "duckdb.parquet")],
        workdir,
        label="hand-written DuckDB SQL (2 threads) -> parquet",
    )
    for run in (ours, theirs):
        run["compute_seconds"] = float(run.pop("last_line"))
    agreement = compare(out / "ours", out / "duckdb.parquet")

    result = {
        "benchmark": "data_engineering",
        "customers": customers,
        "transactions": transactions,
        "pipeline": pipeline,
        "transaction_aggregates": {
            "project_polars": ours,
            "duckdb_sql": theirs,
            "wall_ratio_project_over_duckdb": round(ours["wall_seconds"] / theirs["wall_seconds"], 2),
            "compute_ratio_project_over_duckdb": round(ours["compute_seconds"] / theirs["compute_seconds"], 2),
            "memory_ratio_project_over_duckdb": round(ours["peak_rss_mb"] / max(theirs["peak_rss_mb"], 1), 2),
            "agreement": agreement,
        },
        "targets": {"wall_ratio_at_most": 1.5, "pipeline_peak_rss_mb_below": 7629},  # 8 GB = 7,629 MiB
        "machine": machine(),
    }
    path = save(f"data_engineering_{customers}", result)
    print(
        json.dumps(
            {k: result[k] for k in ("customers", "transactions", "pipeline", "transaction_aggregates")}, indent=2
        )
    )
    print(f"saved {path}")


if __name__ == "__main__":
    main()
