"""Run a pipeline from its ``create_pipeline()`` on in-memory datasets, as Kedro's spaceflights starter tests do.

No project copy, no files: the inputs are frames made in the test, the parameters are the
project's ``conf/base/parameters_<name>.yml`` (``${globals:...}`` resolved from ``globals.yml``)
with a test's overrides, validated into the typed models by Kedro's own parameter validator
(a bare runner does not validate ``params:`` entries; a session does). Every output, the
intermediate ones included, stays readable after the run.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import narwhals as nw
from kedro.io import DataCatalog, MemoryDataset
from kedro.pipeline import Pipeline
from kedro.runner import SequentialRunner
from kedro.validation.parameter_validator import ParameterValidator
from omegaconf import OmegaConf

from customer_classification.datasets import TableChunk

CONF = Path(__file__).resolve().parents[2] / "conf" / "base"
# ``${globals:name}`` and ``${globals:'name[0]'}`` as plain OmegaConf interpolations of a ``globals`` key
_GLOBAL = re.compile(r"\$\{globals:'?([^'}]+)'?\}")


class KeptDataset(MemoryDataset):
    """A memory dataset the runner cannot release, so a test can read every output.

    A Spark frame is checkpointed on save, as writing it through the catalog would:
    otherwise every node would re-plan the whole lineage from the raw tables.
    """

    def save(self, data) -> None:
        if isinstance(data, TableChunk):  # a generator node's part: keep the parts, concatenated
            self._parts = [*(getattr(self, "_parts", []) if data.index else []), nw.from_native(data.take())]
            if data.index < data.total - 1:
                return
            data = nw.concat(self._parts, how="vertical").to_native()
        if type(data).__module__.startswith("pyspark"):
            data = data.localCheckpoint(eager=True)
        super().save(data)

    def _release(self) -> None:
        pass


def _merge(base: dict, overrides: dict) -> dict:
    merged = copy.deepcopy(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def raw_parameters(name: str, overrides: dict | None = None) -> dict:
    """The ``name`` block of ``conf/base/parameters_<name>.yml``, globals resolved, ``overrides`` merged in."""
    file = "parameters_demo_data.yml" if name == "demo_bank" else f"parameters_{name}.yml"
    text = _GLOBAL.sub(r"${globals.\1}", (CONF / file).read_text(encoding="utf-8"))
    config = OmegaConf.merge({"globals": OmegaConf.load(CONF / "globals.yml")}, OmegaConf.create(text))
    return _merge(OmegaConf.to_container(config, resolve=True)[name], overrides or {})


def typed_parameters(pipeline: Pipeline, raw: dict[str, dict]) -> dict[str, Any]:
    """``{"params:<name>": model}``: each raw block validated into the type its nodes declare."""
    validated = ParameterValidator({"pipeline": pipeline}).validate_raw_params(raw)
    return {f"params:{name}": validated[name] for name in raw}


def run_in_memory(pipeline: Pipeline, inputs: dict[str, Any], parameters: dict[str, dict] | None = None) -> dict:
    """Every dataset the pipeline writes, after Kedro's ``SequentialRunner`` ran it on ``inputs``
    (dataset name to data) and ``parameters`` (parameter name to raw block, see :func:`raw_parameters`)."""
    given = {**inputs, **typed_parameters(pipeline, parameters or {})}
    catalog = DataCatalog({name: MemoryDataset(data, copy_mode="assign") for name, data in given.items()})
    for name in pipeline.all_outputs():
        catalog[name] = KeptDataset(copy_mode="assign")
    SequentialRunner().run(pipeline, catalog)
    return {name: catalog.load(name) for name in pipeline.all_outputs()}
