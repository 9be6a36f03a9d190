"""notebooks/explore_outputs.ipynb runs top to bottom on a project's outputs."""

from __future__ import annotations

import nbclient
import nbformat


def test_the_exploration_notebook_runs_through_the_catalog(reported_project):
    path = reported_project / "notebooks" / "explore_outputs.ipynb"
    notebook = nbformat.read(path, as_version=4)
    nbclient.NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    printed = "".join(o.get("text", "") for c in notebook.cells if c.cell_type == "code" for o in c.outputs)
    shown = "".join(
        o.get("data", {}).get("text/plain", "") for c in notebook.cells if c.cell_type == "code" for o in c.outputs
    )
    assert "400 customers at the scoring snapshot 2026-11-01" in printed
    assert "potential_scores {'A': " in printed and "not built yet" not in printed
    assert "loan_demand_scores {" in printed
    assert "product_recommendations {" in printed
    assert "lifestyle" in shown and "aum_level" in shown and "type_by_share" in shown
