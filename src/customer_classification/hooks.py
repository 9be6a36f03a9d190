"""Project hooks."""

from __future__ import annotations

from typing import Any

from kedro.framework.hooks import hook_impl
from kedro.pipeline import Pipeline


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
            metadata = getattr(dataset, "metadata", None) or {}
            if dataset is not None and not metadata.get("demo_output", False):
                foreign.append(f"{name} ({type(dataset).__name__})")
        if foreign:
            raise RuntimeError(
                "The demo_data pipeline would write over datasets that are not marked as demo outputs: "
                + ", ".join(foreign)
                + ". They point at your own data (conf/<env>/catalog.yml); run the pipelines that read "
                "the warehouse instead, for example `kedro run --env <env> --pipelines data_engineering`, "
                "or mark a dataset `metadata: {demo_output: true}` if it really is a scratch copy."
            )
