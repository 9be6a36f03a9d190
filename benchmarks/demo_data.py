"""Benchmark: generate the demo bank at a given scale through ``kedro run``.

Runs ``kedro run --pipelines demo_data`` (or the whole default pipeline with
``--pipeline __default__``) in a scratch copy of the project, so the project's own
data folder is untouched, and records wall time, peak memory (resident set size
of the kedro process) and the rows and bytes written per table.

    python benchmarks/demo_data.py --customers 1000000
    python benchmarks/demo_data.py --customers 20000 --pipeline __default__

Prints the figures and saves them to ``benchmarks/results/<pipeline>_<customers>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq

PROJECT = Path(__file__).resolve().parents[1]


def table_sizes(raw: Path) -> dict[str, dict[str, int]]:
    sizes = {}
    for folder in sorted(p for p in raw.iterdir() if p.is_dir()):
        parts = sorted(folder.glob("*.parquet"))
        sizes[folder.name] = {
            "rows": sum(pq.ParquetFile(p).metadata.num_rows for p in parts),
            "bytes": sum(p.stat().st_size for p in parts),
            "parts": len(parts),
        }
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--pipeline", default="demo_data")
    parser.add_argument("--chunk-size", type=int, default=None)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="cc-bench-") as scratch:
        work = Path(scratch)
        shutil.copytree(PROJECT / "conf", work / "conf", ignore=shutil.ignore_patterns("credentials*"))
        (work / "conf" / "local").mkdir(exist_ok=True)
        shutil.copy(PROJECT / "pyproject.toml", work)
        shutil.copytree(PROJECT / "src", work / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        params = [f"demo_bank.n_customers={args.customers}"]
        if args.chunk_size:
            params.append(f"demo_bank.chunk_size={args.chunk_size}")
        command = ["kedro", "run", "--pipelines", args.pipeline, "--params", ",".join(params)]
        env = dict(os.environ, KEDRO_DISABLE_TELEMETRY="1", DO_NOT_TRACK="1")
        started = time.perf_counter()
        completed = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - started
        if completed.returncode != 0:
            sys.stderr.write(completed.stdout[-5000:] + completed.stderr[-5000:])
            raise SystemExit(f"kedro run failed with exit code {completed.returncode}")
        peak_rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        tables = table_sizes(work / "data" / "01_raw" / "demo_bank")
        tables.update({f"demo_truth/{k}": v for k, v in table_sizes(work / "data" / "01_raw" / "demo_truth").items()})

    result = {
        "benchmark": "demo_data",
        "command": " ".join(command),
        "customers": args.customers,
        "pipeline": args.pipeline,
        "wall_seconds": round(wall, 1),
        "peak_rss_mb": round(peak_rss_mb),
        "tables": tables,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
    }
    out = PROJECT / "benchmarks" / "results" / f"{args.pipeline.strip('_')}_{args.customers}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"{args.pipeline} at {args.customers:,} customers: {wall:.1f} s wall, peak RSS {peak_rss_mb:,.0f} MB")
    for name, size in tables.items():
        print(f"  {name:<34} {size['rows']:>13,} rows {size['bytes'] / 1e6:>9.1f} MB in {size['parts']} part(s)")
    print(f"saved {out.relative_to(PROJECT)}")


if __name__ == "__main__":
    main()
