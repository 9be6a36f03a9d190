"""A bank's own table as it comes: docs' blocks merged over base, a cross-sectional table,
no scoring rows, the customer holdout logged, a text column of many levels, unseen categories."""

from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse
import yaml
from kedro.config import OmegaConfigLoader

from customer_classification import settings
from customer_classification.modelling.families import MAX_ONE_HOT_LEVELS, FitContext, _fit_linear
from customer_classification.modelling.params import ModelPipelineParams
from customer_classification.modelling.spec import ModelSpec, SplitSpec
from customer_classification.modelling.table import FeatureEncoder, assemble_model_table
from customer_classification.pipelines import potential_model
from tests.pipelines.in_memory import raw_parameters, run_in_memory

PROJECT = Path(__file__).resolve().parents[2]


def docs_blocks(file_comment: str) -> list[dict]:
    """The YAML blocks of docs/models.md whose first line is ``# <file_comment>...``, parsed."""
    text = (PROJECT / "docs/models.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, flags=re.S)
    return [yaml.safe_load(b) for b in blocks if b.startswith(f"# {file_comment}")]


def merged_parameters(tmp_path: Path, block: dict) -> dict:
    """The project's parameters with ``block`` as conf/my_bank's file, loaded as a session loads them."""
    conf = tmp_path / "conf"
    shutil.copytree(PROJECT / "conf/base", conf / "base")
    (conf / "my_bank").mkdir()
    (conf / "my_bank/parameters_potential_model.yml").write_text(yaml.safe_dump(block))
    loader_args = {k: v for k, v in settings.CONFIG_LOADER_ARGS.items() if k != "default_run_env"}
    loader = OmegaConfigLoader(str(conf), env="my_bank", **loader_args)
    return loader["parameters"]["potential_model"]


@pytest.mark.parametrize("which", [0, 1], ids=["by_snapshot", "cross_sectional"])
def test_the_docs_partial_blocks_merge_over_base(tmp_path, which):
    block = docs_blocks("conf/my_bank/parameters_potential_model.yml")[which]
    params = ModelPipelineParams.model_validate(merged_parameters(tmp_path, block))
    assert params.model.id_column == "client" and params.model.target == "bought_fund"
    assert params.model.task == "binary" and params.study.scoring_family == "lightgbm"  # from base
    assert params.split.method == ("time" if which == 0 else "random")


def cross_sectional_table(n: int = 900, unlabelled: int = 0, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    spend = rng.gamma(2.0, 500.0, n)
    region = rng.choice(["north", "south", "east"], n)
    bought = rng.random(n) < 1 / (1 + np.exp(-(-2.5 + spend / 700 + (region == "east"))))
    frame = pd.DataFrame({"client": np.arange(n), "spend_3m": spend, "region": region})
    frame["bought_fund"] = pd.Series(bought, dtype=object)
    frame.loc[frame.index[:unlabelled], "bought_fund"] = None
    return frame


SPEC = ModelSpec(id_column="client", snapshot_column=None, target="bought_fund", task="binary")


def test_a_random_split_is_stratified_seeded_and_independent_of_row_order():
    frame = cross_sectional_table(unlabelled=50)
    split = SplitSpec(method="random", seed=4)
    table = assemble_model_table(frame, frame, SPEC, split)
    shares = table["split"].value_counts(normalize=True)
    assert shares["scoring"] == pytest.approx(50 / 900)
    assert table.loc[table["split"] == "train", "client"].nunique() == pytest.approx(0.6 * 850, abs=2)
    rates = table[table["split"] != "scoring"].groupby("split", observed=True)["bought_fund"].mean()
    assert rates.max() - rates.min() < 0.02  # every split has the table's share of buyers
    shuffled = assemble_model_table(frame.sample(frac=1, random_state=9), frame, SPEC, split)
    pd.testing.assert_frame_equal(table, shuffled)
    other_seed = assemble_model_table(frame, frame, SPEC, SplitSpec(method="random", seed=5))
    assert not table["split"].equals(other_seed["split"])


def test_a_cross_sectional_table_without_scoring_rows_writes_metrics_and_model(caplog):
    frame = cross_sectional_table()
    block = raw_parameters("potential_model", {"study": {"n_trials": 4}})
    block["model"] |= {"id_column": "client", "snapshot_column": None, "target": "bought_fund", "population": []}
    block["split"] = {"method": "random"}
    with caplog.at_level(logging.WARNING):
        outputs = run_in_memory(
            potential_model.create_pipeline(),
            {"customer_features": frame, "model_labels": frame},
            {"potential_model": block},
        )
    assert outputs["potential_model_metrics"]["test"]["auc"] > 0.65
    assert outputs["potential_model_metrics"]["split"] == "random"
    scores = outputs["potential_scores"]
    assert scores.empty and list(scores.columns[:3]) == ["client", "probability", "tier"]
    assert "scored nobody" in caplog.text
    assert outputs["potential_model"].family == "lightgbm"


def test_the_customer_holdout_logs_the_rows_it_holds_out(caplog):
    rows = []
    for snapshot in ("2024-01-01", "2024-04-01", "2024-07-01"):
        part = cross_sectional_table(seed=len(rows)).assign(as_of=pd.Timestamp(snapshot))
        rows.append(part)
    frame = pd.concat(rows, ignore_index=True)
    spec = ModelSpec(id_column="client", snapshot_column="as_of", target="bought_fund", task="binary")
    split = SplitSpec(training_snapshots=["2024-01-01"], validation_snapshot="2024-04-01", test_snapshot="2024-07-01")
    with caplog.at_level(logging.WARNING):
        table = assemble_model_table(frame, frame, spec, split)
    kept = table["split"].value_counts()
    assert f"'train': '{kept['train']} / {900 - kept['train']}'" in caplog.text
    assert "customer holdout [0.5, 0.25, 0.25]" in caplog.text


def test_a_text_column_of_thousands_of_levels_stays_a_few_sparse_columns_for_a_linear_model():
    rng = np.random.default_rng(2)
    n = 3000
    X = pd.DataFrame(
        {
            "spend": rng.normal(size=n),
            "postcode": pd.Categorical([f"P{i}" for i in rng.integers(0, 2500, n)]),
        }
    )
    y = (X["spend"] + rng.normal(size=n) > 0).astype(int).to_numpy()
    ctx = FitContext("binary", 2, 0, 1, 10, 20, 10)
    model = _fit_linear({"C": 1.0}, X, y, ctx)
    design = model.pipeline.named_steps["prepare"].transform(X)
    assert scipy.sparse.issparse(design)
    assert design.shape[1] <= 1 + MAX_ONE_HOT_LEVELS


def test_unseen_categories_are_logged_once_per_column(caplog):
    frame = pd.DataFrame({"spend": [1.0, 2.0, 3.0], "region": ["north", "south", "north"]})
    encoder = FeatureEncoder(["spend"], ["region"]).fit(frame)
    new = pd.DataFrame({"spend": [1.0, 2.0], "region": ["west", "north"]})
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            assert encoder.transform(new)["region"].isna().tolist() == [True, False]
    assert caplog.text.count("unseen in training") == 1
