"""Benchmark of the whole monthly cycle: ``retrain``, then ``score`` for the month after.

    python benchmarks/system.py --customers 1000000

1. Generates the demo bank at N customers in a scratch project (``--workdir``, default
   ``/tmp/cc-system-<N>``; reused while the scale matches), and the next month's bank
   (``--env next_month``). Generation is not part of the figures.
2. Runs ``kedro run --pipelines retrain`` (the month's champions), then
   ``kedro run --env next_month --pipelines score`` (the month after, scored with them),
   each in its own process under ``benchmarks/node_memory.py``: wall time and peak memory of
   the whole run, and of every node (with its dataset loads and saves).
3. Checks what a user acts on: every scored customer has a tier, an M2 flag, a segment in
   every clustering group and recommendations, and the customers a campaign contacts have
   reasons.

Prints a table and saves ``benchmarks/results/system_<N>.json``: one entry per pipeline
(``retrain``, ``score``) with ``wall_seconds``, ``peak_rss_mb`` and its ``nodes``.

Targets at 1,000,000 customers on one 2-core, 24 GB machine: ``score`` within 20 minutes and
8 GB; ``retrain`` with the default study budgets within 45 minutes and 12 GB.
A standing check: any change to a pipeline of the monthly cycle reruns this at 1,000,000
customers and stays within the targets (docs/operations.md, "Scale").
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import pandas as pd
from common import machine, measured_run, save, scratch_project

TARGETS = {"retrain": {"minutes": 45, "peak_gb": 12}, "score": {"minutes": 20, "peak_gb": 8}}
NODE_MEMORY = str(Path(__file__).with_name("node_memory.py"))


def generate(workdir: Path, customers: int, env: str) -> None:
    """The demo bank of ``env`` (``local``: this month; ``next_month``: the month after); both
    write the same raw folder, so the marker says which one is there."""
    marker, wanted = workdir / "data" / "generated_bank.txt", f"{customers} {env}"
    if marker.exists() and marker.read_text().strip() == wanted:
        return
    print(f"generating the demo bank ({env}) at {customers:,} customers ...", flush=True)
    command = [
        "kedro",
        "run",
        "--env",
        env,
        "--pipelines",
        "demo_data",
        "--params",
        f"demo_bank.n_customers={customers}",
    ]
    measured_run(command, workdir)
    marker.write_text(wanted)


def nodes_of(steps: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    """Per node: its run, and the loads and saves that follow it, until the next node runs."""
    nodes: dict[str, dict[str, float]] = defaultdict(lambda: {"seconds": 0.0, "peak_rss_mb": 0})
    current = "start-up"
    for step, figures in steps.items():
        if step.startswith("run "):
            current = step.removeprefix("run ")
        node = nodes[current]
        node["seconds"] = round(node["seconds"] + figures["seconds"], 1)
        node["peak_rss_mb"] = max(node["peak_rss_mb"], figures["peak_rss_mb"])
    return dict(nodes)


def run_cycle(workdir: Path, pipeline: str, env: str) -> dict:
    print(f"running {pipeline} ({env}) ...", flush=True)
    result = measured_run(
        [sys.executable, NODE_MEMORY, str(workdir), pipeline, "--env", env],
        workdir,
        label=f"kedro run --env {env} --pipelines {pipeline} (in-process, memory sampled per step)",
    )
    nodes = nodes_of(json.loads(result.pop("last_line")))
    # the in-process sampler (every 50 ms) catches short peaks the outside poll (200 ms) misses
    result["peak_rss_mb"] = max(result["peak_rss_mb"], *(n["peak_rss_mb"] for n in nodes.values()))
    result["nodes"] = dict(sorted(nodes.items(), key=lambda item: -item[1]["seconds"]))
    return result


def by_pipeline(nodes: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    """Seconds and peak per pipeline: a node's namespace is its pipeline."""
    totals: dict[str, dict[str, float]] = defaultdict(lambda: {"seconds": 0.0, "peak_rss_mb": 0})
    for name, figures in nodes.items():
        total = totals[name.split(".")[0]]
        total["seconds"] = round(total["seconds"] + figures["seconds"], 1)
        total["peak_rss_mb"] = max(total["peak_rss_mb"], figures["peak_rss_mb"])
    return dict(sorted(totals.items(), key=lambda item: -item[1]["seconds"]))


def acted_on(workdir: Path) -> dict:
    """What a user acts on after ``score``: every customer scored, the contacted ones explained."""
    output = workdir / "data" / "07_model_output"
    tiers = pd.read_parquet(output / "potential_scores.parquet")
    loans = pd.read_parquet(output / "loan_demand_scores.parquet")
    recommended = pd.read_parquet(output / "product_recommendations.parquet", columns=["customer_id"])
    contacted = tiers[tiers["tier"].isin(["A", "B"])]
    flagged = loans[loans["is_potential_loan_customer"]]
    segments = {}
    for folder in sorted((output / "segments").iterdir()):
        assigned = pd.read_parquet(folder / "cluster_assignments.parquet", columns=["customer_id", "snapshot_date"])
        latest = assigned[assigned["snapshot_date"] == assigned["snapshot_date"].max()]
        segments[folder.name] = int(latest["customer_id"].nunique())
    return {
        "customers_with_tier": int(tiers["tier"].notna().sum()),
        "customers_with_m2_flag": int(loans["is_potential_loan_customer"].notna().sum()),
        "customers_with_segment": segments,
        "customers_with_recommendations": int(recommended["customer_id"].nunique()),
        "tier_a_b_without_reasons": int(contacted["reason_1_feature"].isna().sum()),
        "m2_flagged_without_reasons": int(flagged["reason_1_feature"].isna().sum()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path, default=None, help="scratch project (default /tmp/cc-system-<N>)")
    args = parser.parse_args()
    workdir = scratch_project(args.workdir or Path(f"/tmp/cc-system-{args.customers}"))
    generate(workdir, args.customers, "local")
    results = {"retrain": run_cycle(workdir, "retrain", "local")}
    generate(workdir, args.customers, "next_month")
    results["score"] = run_cycle(workdir, "score", "next_month")

    print(f"\n{'cycle':8} {'minutes':>8} {'peak GB':>8}   target")
    for cycle, figures in results.items():
        target = TARGETS[cycle]
        figures["pipelines"] = by_pipeline(figures["nodes"])
        figures["within_target"] = (
            figures["wall_seconds"] <= 60 * target["minutes"] and figures["peak_rss_mb"] <= 1024 * target["peak_gb"]
        )
        print(
            f"{cycle:8} {figures['wall_seconds'] / 60:8.1f} {figures['peak_rss_mb'] / 1024:8.2f}"
            f"   <= {target['minutes']} min, <= {target['peak_gb']} GB: {'met' if figures['within_target'] else 'MISSED'}"
        )
        for pipeline, part in list(figures["pipelines"].items())[:8]:
            print(f"  {pipeline:32} {part['seconds']:8.1f} s {part['peak_rss_mb'] / 1024:6.2f} GB")
    results["score"]["acted_on"] = acted_on(workdir)
    print(json.dumps(results["score"]["acted_on"]))
    path = save(f"system_{args.customers}", {"customers": args.customers, **results, "machine": machine()})
    print(f"saved {path}")


if __name__ == "__main__":
    main()
