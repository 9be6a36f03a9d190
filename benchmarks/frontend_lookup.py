"""Benchmark: the front end's customer look-up with a million customers published.

    python benchmarks/frontend_lookup.py --customers 1000000

Starts the front end as a user does (``python -m customer_classification.frontend``, a fresh
SQLite file under ``/tmp/cc-frontend-bench``), publishes ``--customers`` synthetic customer
cards through the same streamed POST as ``kedro run --env frontend --pipelines publish``, then
times ``--lookups`` look-ups of random customers over HTTP: the JSON API and the HTML page,
plus the branch and RM pages. Prints the figures and saves them to
``benchmarks/results/frontend_lookup_<customers>.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl
import requests
from common import PROJECT, machine, save

from customer_classification.datasets import FrontendAPIDataset

WORKDIR = Path("/tmp/cc-frontend-bench")
TOKEN = "benchmark-token"


def synthetic_cards(n: int, seed: int = 20261130) -> pl.DataFrame:
    """``n`` customer cards shaped as the publish pipeline builds them (random values, fixed seed)."""
    rng = np.random.default_rng(seed)
    reason = pl.struct(feature=pl.lit("aum_latest"), value=pl.lit("120000"), contribution=pl.lit(0.4))
    long_tail = rng.random(n) < 0.7
    rm_ids = rng.integers(5000, 7000, n)  # 2,000 RMs in 200 branches
    return pl.DataFrame(
        {
            "customer": [f"{i:032x}" for i in rng.permutation(n * 7)[:n]],
            "branch_id": [f"BR-{rm % 200:03d}" for rm in rm_ids],
            "rm_id": rm_ids,
            "tier": np.where(long_tail, rng.choice(list("ABCD"), n), None),
            "upgrade_probability": np.where(long_tail, rng.random(n), np.nan),
            "predicted_utilization": rng.random(n),
            "potential_loan_customer": rng.random(n) < 0.1,
            "scenario": "wealth_upgrade",
            "scenario_rule": "potential_tier in ['A', 'B']",
        },
        nan_to_null=True,
    ).with_columns(
        snapshot=pl.lit(dt.date(2026, 11, 1)),
        tier_reasons=pl.concat_list(reason, reason, reason),
        loan_reasons=pl.concat_list(reason, reason),
        segments=pl.concat_list(
            pl.struct(group=pl.lit(group), cluster=pl.lit(1, pl.Int64), name=pl.lit(f"{group} segment"))
            for group in ("basic", "financial", "non_financial", "lifestyle")
        ),
        recommendations=pl.concat_list(
            pl.struct(
                rank=pl.lit(rank, pl.Int64),
                category=pl.lit("mutual_fund"),
                score=pl.lit(0.5),
                reason=pl.lit("often taken next"),
            )
            for rank in (1, 2, 3)
        ),
    )


def _timed(session: requests.Session, url: str, expected: int = 200) -> float:
    started = time.perf_counter()
    response = session.get(url, timeout=60)
    elapsed = time.perf_counter() - started
    if response.status_code != expected:
        raise SystemExit(f"{url}: {response.status_code} {response.text[:300]}")
    return elapsed * 1000


def _summary(milliseconds: list[float]) -> dict:
    ordered = sorted(milliseconds)
    return {
        "n": len(ordered),
        "median_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 2),
        "max_ms": round(ordered[-1], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=500)
    parser.add_argument("--port", type=int, default=8799)
    arguments = parser.parse_args()

    shutil.rmtree(WORKDIR, ignore_errors=True)
    WORKDIR.mkdir(parents=True)
    database = WORKDIR / "frontend.sqlite"
    url = f"http://127.0.0.1:{arguments.port}"
    environment = {**os.environ, "CC_FRONTEND_TOKEN": TOKEN, "PYTHONPATH": str(PROJECT / "src")}
    command = [
        sys.executable,
        "-m",
        "customer_classification.frontend",
        "--db",
        str(database),
        "--port",
        str(arguments.port),
    ]
    server = subprocess.Popen(
        command, env=environment, cwd=WORKDIR, stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL
    )
    try:
        for _ in range(300):
            try:
                if requests.get(f"{url}/api/health", timeout=1).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        started = time.perf_counter()
        cards = synthetic_cards(arguments.customers)
        built = time.perf_counter() - started
        os.environ["CC_FRONTEND_TOKEN"] = TOKEN
        started = time.perf_counter()
        FrontendAPIDataset(url=f"{url}/api/customers").save(cards)
        published = time.perf_counter() - started

        rng = np.random.default_rng(1)
        chosen = cards["customer"].gather(rng.integers(0, cards.height, arguments.lookups)).to_list()
        rm_ids = cards["rm_id"].gather(rng.integers(0, cards.height, 20)).to_list()
        with requests.Session() as session:
            _timed(session, f"{url}/api/customers/{chosen[0]}")  # the first request opens the connection
            api = [_timed(session, f"{url}/api/customers/{c}") for c in chosen]
            page = [_timed(session, f"{url}/customers?id={c}") for c in chosen]
            missing = [_timed(session, f"{url}/api/customers/{'f' * 8}{i:024x}", expected=404) for i in range(50)]
            branches = [_timed(session, f"{url}/branches") for _ in range(10)]
            rm_pages = [_timed(session, f"{url}/branches/rm/{rm}") for rm in rm_ids]
    finally:
        server.terminate()
        server.wait(timeout=30)

    result = {
        "customers": arguments.customers,
        "command": f"python benchmarks/frontend_lookup.py --customers {arguments.customers}",
        "machine": machine(),
        "database_mb": round(database.stat().st_size / 2**20),
        "cards_built_seconds": round(built, 1),
        "publish_seconds": round(published, 1),
        "lookup_api": _summary(api),
        "lookup_page": _summary(page),
        "lookup_unknown_api": _summary(missing),
        "branches_page": _summary(branches),
        "rm_page": _summary(rm_pages),
    }
    path = save(f"frontend_lookup_{arguments.customers}", result)
    for key, value in result.items():
        print(f"{key}: {value}")
    print(f"saved to {path}")


if __name__ == "__main__":
    main()
