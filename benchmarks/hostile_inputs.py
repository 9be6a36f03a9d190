"""Benchmark: every class of hostile or broken input, run through ``data_engineering``.

    python benchmarks/hostile_inputs.py --customers 500 [--name hostile_inputs]

In a scratch copy of the project it generates a small demo bank once, then, for
each class of bad input, copies the bank to ``data/01_raw/bank`` (an environment
``prod`` whose raw tables are not the demo's and whose pseudonymisation key is a
real secret), spoils the copy as an attacker or a broken extract would, and runs
``kedro run --env prod --pipelines data_engineering``. For each class it records:

* outcome: ``stopped`` (the run failed), ``repaired`` (the run passed and the
  data-quality report counts a repair of the spoiled table) or ``accepted``
  (the run passed and nothing counted the damage);
* the message: the error's first lines, or the repairs counted;
* whether the raw files are byte-for-byte as before the run;
* whether a raw PII value (a phone number, a name or an ID number) appears in the
  console output, ``info.log`` or the quality report.

``--checkout DIR`` runs another version of the project (its ``conf/`` and
``src/``), for instance ``git archive <commit> conf src | tar -x -C DIR``, to table
the same classes before a change. Prints the table and saves it to
``benchmarks/results/<name>.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
from common import RESULTS, machine, save, scratch_project

from customer_classification.datasets.pseudonym_key import DEMO_PSEUDONYM_KEY

RAW_TABLES = (
    "customers", "relationship_managers", "products", "holdings",
    "transactions", "credit_lines", "digital_events", "campaign_responses",
)  # fmt: skip
REAL_KEY = "a-real-secret-pseudonym-key-of-the-bank"
PROD_CATALOG = "\n".join(
    f"{name}:\n  type: customer_classification.datasets.ChunkedParquetDataset\n"
    f"  backend: polars_lazy\n  path: data/01_raw/bank/{name}\n"
    for name in RAW_TABLES
)


def _rewrite(bank: Path, table: str, change: Callable[[pl.DataFrame], pl.DataFrame]) -> None:
    """Replace a table's parts by one part holding ``change`` of the whole table."""
    folder = bank / table
    frame = pl.read_parquet(sorted(folder.glob("*.parquet")))
    for part in folder.glob("*.parquet"):
        part.unlink()
    change(frame).write_parquet(folder / "part-00000.parquet")


def _set_rows(column: str, values: list[Any], dtype: Any = None) -> Callable[[pl.DataFrame], pl.DataFrame]:
    """Put ``values`` into ``column`` of the first rows."""

    def change(frame: pl.DataFrame) -> pl.DataFrame:
        series = frame[column].cast(dtype) if dtype is not None else frame[column]
        head = pl.Series(column, values, dtype=series.dtype)
        return frame.with_columns(pl.concat([head, series.slice(len(values))]).alias(column))

    return change


def _key_in_credentials(prod: Path, key: str) -> None:
    """The key in the environment's credentials, which its catalog entry reads."""
    (prod / "credentials.yml").write_text(f"pseudonym_key:\n  key: {key}\n")
    entry = "pseudonym_key:\n  type: customer_classification.datasets.PseudonymKeyDataset\n"
    with (prod / "catalog.yml").open("a") as catalog:
        catalog.write(entry + "  credentials: pseudonym_key\n")


def _first_two_dated(year: int) -> Callable[[pl.DataFrame], pl.DataFrame]:
    def change(frame: pl.DataFrame) -> pl.DataFrame:
        dated = pl.when(pl.int_range(pl.len()) < 2).then(pl.datetime(year, 3, 1)).otherwise(pl.col("timestamp"))
        return frame.with_columns(dated.cast(frame.schema["timestamp"]).alias("timestamp"))

    return change


def _truncate_part(bank: Path) -> None:
    part = sorted((bank / "transactions").glob("*.parquet"))[-1]
    data = part.read_bytes()
    part.write_bytes(data[: len(data) // 2])


# class -> (what it does, how the bank copy is spoiled, extra environment)
CLASSES: dict[str, tuple[str, Callable[[Path], None], dict[str, str]]] = {
    "demo key set explicitly": (
        "CC_PSEUDONYM_KEY is the public demo key on the bank's own tables",
        lambda bank: None,
        {"CC_PSEUDONYM_KEY": DEMO_PSEUDONYM_KEY},
    ),
    "demo key in credentials": (
        "conf/prod/credentials.yml holds the public demo key",
        lambda bank: _key_in_credentials(bank.parents[2] / "conf" / "prod", DEMO_PSEUDONYM_KEY),
        {"CC_PSEUDONYM_KEY": ""},
    ),
    "two runs at once": (
        "two data_engineering runs started together (the outcome of the one that failed, if any)",
        lambda bank: None,
        {},
    ),
    "undeclared column": (
        "customers gets an extra column holding a copy of the phone number",
        lambda bank: _rewrite(bank, "customers", lambda f: f.with_columns(pl.col("phone").alias("mobile_copy"))),
        {},
    ),
    "NaN in money": (
        "one transaction amount is NaN",
        lambda bank: _rewrite(bank, "transactions", _set_rows("amount", [math.nan])),
        {},
    ),
    "inf in money": (
        "one holding balance is +inf",
        lambda bank: _rewrite(bank, "holdings", _set_rows("balance", [math.inf])),
        {},
    ),
    "empty table": (
        "digital_events has its columns but no rows",
        lambda bank: _rewrite(bank, "digital_events", lambda f: f.head(0)),
        {},
    ),
    "truncated parquet part": ("a transactions part cut in half", _truncate_part, {}),
    "wrong-typed PII column": (
        "customers.phone stored as integers",
        lambda bank: _rewrite(
            bank, "customers", lambda f: f.with_columns(pl.col("phone").str.replace_all(r"\D", "").cast(pl.Int64))
        ),
        {},
    ),
    "ancient event dates": (
        "two transactions dated 1850",
        lambda bank: _rewrite(bank, "transactions", _first_two_dated(1850)),
        {},
    ),
    "missing column": (
        "holdings without its balance column",
        lambda bank: _rewrite(bank, "holdings", lambda f: f.drop("balance")),
        {},
    ),
    "wrong type": (
        "transactions.amount stored as text",
        lambda bank: _rewrite(bank, "transactions", lambda f: f.with_columns(pl.col("amount").cast(pl.String))),
        {},
    ),
    "key collision": (
        "two different customers share a customer_id",
        lambda bank: _rewrite(
            bank, "customers", lambda f: pl.concat([f, f.head(1).with_columns(pl.lit("Someone Else").alias("name"))])
        ),
        {},
    ),
    "exact duplicates": (
        "three transactions repeated",
        lambda bank: _rewrite(bank, "transactions", lambda f: pl.concat([f, f.head(3)])),
        {},
    ),
    "orphan foreign keys": (
        "two transactions of an unknown customer",
        lambda bank: _rewrite(bank, "transactions", _set_rows("customer_id", [99_999_999, 99_999_999])),
        {},
    ),
    "negative money": (
        "one negative balance",
        lambda bank: _rewrite(bank, "holdings", _set_rows("balance", [-5_000.0])),
        {},
    ),
    "future dates": (
        "two transactions after the end of the history",
        lambda bank: _rewrite(bank, "transactions", _first_two_dated(2031)),
        {},
    ),
    "unknown category": (
        "one transaction on channel 'carrier_pigeon'",
        lambda bank: _rewrite(bank, "transactions", _set_rows("channel", ["carrier_pigeon"])),
        {},
    ),
    "bad share above tolerance": (
        "5% of transaction amounts negative",
        lambda bank: _rewrite(
            bank,
            "transactions",
            lambda f: f.with_columns(
                pl.when(pl.int_range(pl.len()) % 20 == 0).then(-pl.col("amount")).otherwise(pl.col("amount"))
            ),
        ),
        {},
    ),
}


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _pii_values(bank: Path) -> list[str]:
    customers = pl.read_parquet(sorted((bank / "customers").glob("*.parquet")))
    values = []
    for column in ("phone", "name", "id_number"):
        values += [str(v) for v in customers[column].drop_nulls().head(40).to_list()]
    # a phone number may be printed without its separators
    values += [re.sub(r"\D", "", v) for v in customers["phone"].drop_nulls().head(40).cast(pl.String).to_list()]
    return [v for v in values if len(v) >= 6]


def _error_message(output: str) -> str:
    """The exception's message as printed: its line and the few lines after it."""
    lines = output.splitlines()
    for index in range(len(lines) - 1, -1, -1):
        if re.match(r"^\s*[\w.]*(Error|Exception)\b[^:]*:", lines[index]):
            return " ".join(line.strip() for line in lines[index : index + 5] if line.strip())[:600]
    return " ".join(lines[-5:])[:600]


def _repairs(work: Path, table_hint: str) -> list[str]:
    report = work / "data" / "08_reporting" / "data_quality_report.json"
    if not report.exists():
        return []
    tables = json.loads(report.read_text())["tables"]
    found = []
    for table, entry in tables.items():
        for repair in entry["repairs"]:
            found.append(f"{table}.{repair['column']} '{repair['rule']}': {repair['action']} {repair['rows']}")
    return [f for f in found if table_hint in f or not table_hint]


def _spoiled_table(description: str) -> str:
    return next((t for t in RAW_TABLES if t in description), "")


def _kedro_run(work: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    command = ["kedro", "run", "--env", "prod", "--pipelines", "data_engineering"]
    return subprocess.run(command, cwd=work, env=env, capture_output=True, text=True, check=False)


def _two_runs_at_once(work: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Start two runs together; the one that failed, or the second if both passed."""
    command = ["kedro", "run", "--env", "prod", "--pipelines", "data_engineering"]
    runs = [
        subprocess.Popen(command, cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for _ in range(2)
    ]
    done = [subprocess.CompletedProcess(run.args, 0, run.communicate()[0], "") for run in runs]
    for run, result in zip(runs, done, strict=True):
        result.returncode = run.returncode
    return next((result for result in done if result.returncode), done[1])


def run_class(work: Path, name: str, clean_bank: Path, pii: list[str]) -> dict[str, Any]:
    description, spoil, extra_env = CLASSES[name]
    bank = work / "data" / "01_raw" / "bank"
    shutil.rmtree(bank, ignore_errors=True)
    for layer in ("02_intermediate", "03_primary", "04_feature", "08_reporting"):
        shutil.rmtree(work / "data" / layer, ignore_errors=True)
    (work / "info.log").unlink(missing_ok=True)
    (work / "conf" / "prod" / "credentials.yml").unlink(missing_ok=True)
    (work / "conf" / "prod" / "catalog.yml").write_text("# the bank's own tables: not the demo's\n" + PROD_CATALOG)
    shutil.copytree(clean_bank, bank)
    spoil(bank)
    before = _digest(bank)
    env = dict(
        os.environ,
        KEDRO_DISABLE_TELEMETRY="1",
        DO_NOT_TRACK="1",
        PYTHONPATH=str(work / "src"),
        CC_PSEUDONYM_KEY=REAL_KEY,
        COLUMNS="200",
    )
    env.update(extra_env)
    started = time.perf_counter()
    completed = _two_runs_at_once(work, env) if name == "two runs at once" else _kedro_run(work, env)
    output = completed.stdout + completed.stderr
    log = (work / "info.log").read_text() if (work / "info.log").exists() else ""
    quality = work / "data" / "08_reporting" / "data_quality_table.csv"
    printed = output + log + (quality.read_text() if quality.exists() else "")
    leaked = sorted({v for v in pii if v in printed})
    if completed.returncode != 0:
        outcome, message = "stopped", _error_message(output)
    else:
        repairs = _repairs(work, _spoiled_table(description))
        outcome = "repaired" if repairs else "accepted"
        message = "; ".join(repairs) if repairs else _accepted_note(work, name)
    return {
        "class": name,
        "input": description,
        "outcome": outcome,
        "message": message,
        "raw_data_intact": _digest(bank) == before,
        "pii_printed": len(leaked),
        "seconds": round(time.perf_counter() - started, 1),
    }


def _accepted_note(work: Path, name: str) -> str:
    customers = work / "data" / "02_intermediate" / "customers"
    if name == "undeclared column" and customers.exists():
        columns = pl.read_parquet_schema(sorted(customers.glob("*.parquet"))[0])
        return f"int_customers columns include: {', '.join(c for c in columns if 'copy' in c) or 'none undeclared'}"
    return "run passed; nothing counted"


def _prepare(work: Path, customers: int, checkout: Path | None) -> Path:
    scratch_project(work)
    if checkout is not None:  # an older version of the project, for a table before a change
        for name in ("conf", "src"):
            shutil.rmtree(work / name)
            shutil.copytree(checkout / name, work / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    (work / "conf" / "prod").mkdir(parents=True, exist_ok=True)
    clean = work / "data" / "01_raw" / "demo_bank"
    marker = work / "data" / f".demo_bank_{customers}"
    if not marker.exists():
        env = dict(os.environ, KEDRO_DISABLE_TELEMETRY="1", DO_NOT_TRACK="1", PYTHONPATH=str(work / "src"))
        params = f"demo_bank.n_customers={customers},demo_bank.chunk_size={max(customers // 2, 1)}"
        params += ",demo_bank.dirty_record_rate=0"
        subprocess.run(["kedro", "run", "--pipelines", "demo_data", "--params", params], cwd=work, env=env, check=True)
        marker.touch()
    return clean


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=500)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/cc-hostile-inputs"))
    parser.add_argument("--name", default="hostile_inputs", help="results file name, without .json")
    parser.add_argument(
        "--only", nargs="*", help="run only these classes, updating them in the saved table of that name"
    )
    parser.add_argument(
        "--checkout", type=Path, default=None, help="a project folder whose conf/ and src/ run (default: this one)"
    )
    args = parser.parse_args()

    clean = _prepare(args.workdir, args.customers, args.checkout)
    pii = _pii_values(clean)
    rows = []
    for name in args.only or CLASSES:
        row = run_class(args.workdir, name, clean, pii)
        rows.append(row)
        intact = "yes" if row["raw_data_intact"] else "NO"
        print(f"{name:<28} {row['outcome']:<9} intact={intact:<3} pii={row['pii_printed']:<3} {row['message'][:150]}")
    previous = RESULTS / f"{args.name}.json"
    if args.only and previous.exists():  # a partial run updates its classes in the saved table
        kept = {row["class"]: row for row in json.loads(previous.read_text())["classes"]}
        kept.update({row["class"]: row for row in rows})
        rows = [kept[name] for name in CLASSES if name in kept]
    result = {"benchmark": "hostile_inputs", "customers": args.customers, "classes": rows, "machine": machine()}
    print(f"saved {save(args.name, result)}")


if __name__ == "__main__":
    main()
