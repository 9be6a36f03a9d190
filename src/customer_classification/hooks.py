"""Project hooks."""

from __future__ import annotations

import ctypes
import ctypes.util
from typing import Any

import pyarrow
from kedro.config import MissingConfigException
from kedro.framework.hooks import hook_impl
from kedro.pipeline import Pipeline

from customer_classification.contracts import RAW_TABLES
from customer_classification.datasets.pseudonym_key import is_demo_key


class DemoWarehouseGuard:
    """Stops a run in which ``demo_data`` would write over a table that is not the demo's.

    The demo pipeline's outputs carry the raw tables' names so that the rest of the
    system reads them; when an environment points those names at a real warehouse,
    the demo must not run. Every dataset the demo writes must carry
    ``metadata: {demo_output: true}`` in the catalog.
    """

    @hook_impl
    def before_pipeline_run(self, run_params: dict[str, Any], pipeline: Pipeline, catalog: Any) -> None:
        demo_outputs = sorted(pipeline.only_nodes_with_tags("demo_data").all_outputs())
        foreign = []
        for name in demo_outputs:
            dataset = catalog.get(name) if name in catalog else None
            if dataset is not None and not _is_demo_output(dataset):
                foreign.append(f"{name} ({type(dataset).__name__})")
        if foreign:
            raise RuntimeError(
                "The demo_data pipeline would write over datasets that are not marked as demo outputs: "
                + ", ".join(foreign)
                + ". They point at your own data (conf/<env>/catalog.yml); run the pipelines that read "
                "the warehouse instead, for example `kedro run --env <env> --pipelines data_engineering`, "
                "or mark a dataset `metadata: {demo_output: true}` if it really is a scratch copy."
            )


class PseudonymKeyGuard:
    """Stops a run that would pseudonymise a real warehouse's PII with the public demo key.

    The key is judged by its value, however it is given (fallback, environment variable,
    credentials, a dataset of another type): pseudonyms under a published key can be
    recomputed by anyone from a national ID number.
    """

    @hook_impl
    def before_pipeline_run(self, run_params: dict[str, Any], pipeline: Pipeline, catalog: Any) -> None:
        if "pseudonym_key" not in pipeline.all_inputs() or "pseudonym_key" not in catalog:
            return
        key = catalog.get("pseudonym_key")
        if not _gives_demo_key(key):
            return
        real = [name for name in RAW_TABLES if name in catalog and not _is_demo_output(catalog.get(name))]
        if not real:
            return
        problem = (
            "no pseudonymisation key is set"
            if getattr(key, "falls_back_to_demo_key", False)
            else "the pseudonymisation key is set to the public demo key"
        )
        raise RuntimeError(
            f"The raw tables {', '.join(real)} are not the demo bank's, but {problem}: "
            "set the environment variable CC_PSEUDONYM_KEY or 'pseudonym_key: {key: ...}' in "
            "conf/<env>/credentials.yml to a secret of your own. The public demo key is only for the demo bank."
        )


def _gives_demo_key(dataset: Any) -> bool:
    """Whether the key dataset yields the public demo key; a dataset that cannot say is loaded."""
    if hasattr(dataset, "uses_demo_key"):
        return bool(dataset.uses_demo_key)
    try:
        return is_demo_key(dataset.load())
    except Exception:  # noqa: BLE001 - a key that cannot be loaded fails the run at its node, with its own error
        return False


def _is_demo_output(dataset: Any) -> bool:
    return bool((getattr(dataset, "metadata", None) or {}).get("demo_output", False))


class SparkHooks:
    """Starts the SparkSession of an environment that has a ``spark.yml`` (``--env spark``)."""

    @hook_impl
    def after_context_created(self, context: Any) -> None:
        try:
            settings = context.config_loader["spark"]
        except MissingConfigException:
            return
        start_spark_session(context.project_path.name, settings)


def start_spark_session(app_name: str, settings: dict[str, Any]) -> Any:
    """The SparkSession of ``spark.yml``'s ``settings`` (each a ``spark.*`` key), logging warnings only."""
    from pyspark.sql import SparkSession  # noqa: PLC0415 - Spark is optional

    builder = SparkSession.builder.appName(app_name)
    for key, value in settings.items():
        builder = builder.config(key, str(value))
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    return spark


class MemoryRelease:
    """Hands back to the system, between nodes, the memory the allocators kept after use.

    Every pandas frame read from parquet or converted from Polars is allocated by pyarrow's
    memory pool (mimalloc), which keeps freed pages for reuse instead of returning them. Over a
    run whose nodes each read a large table, the process would hold what earlier nodes freed: a
    1,000,000-row snapshot of the features (1.1 GB in pandas), read and deleted, left 2.4 GB
    resident; 1.3 GB once Arrow's pool released its pages, 0.2 GB once Polars' own allocator
    had returned its (by itself, within seconds).

    NumPy's arrays come from the C library's ``malloc``; glibc serves a freed array's size from
    its heap next time (a million-row column, 8 MB, stays below its mmap threshold once a larger
    block has been freed) and keeps the freed pages of that heap. ``malloc_trim`` returns them:
    the response models' fit at a million rows left 2.7 GB resident, 1.5 GB after it.
    """

    def __init__(self) -> None:
        self._malloc_trim = _glibc_malloc_trim()

    # Once per node, when the node before has saved its outputs and Kedro has released the
    # datasets no node reads again: what that node freed is then all free.
    @hook_impl
    def before_node_run(self) -> None:
        self.release()

    def release(self) -> None:
        pyarrow.default_memory_pool().release_unused()
        if self._malloc_trim is not None:
            self._malloc_trim(0)


def _glibc_malloc_trim() -> Any:
    """glibc's ``malloc_trim``, or None on a C library without it (musl, macOS, Windows)."""
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None
