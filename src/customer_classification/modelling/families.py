"""Model families searched by the study: LightGBM and baselines, each with its search space.

Every family fits on the encoded feature frame of :class:`~.table.FeatureEncoder` and returns
a model whose ``predict(X)`` gives, for ``n`` rows: the positive-class probability (binary,
shape ``(n,)``), the prediction (regression, ``(n,)``) or class probabilities (multiclass,
``(n, k)``). Fitting with a validation set reports the validation score every few rounds so
that the study can prune; LightGBM also stops early on it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import lightgbm as lgb
import numpy as np
import optuna
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, OrdinalEncoder, StandardScaler

from customer_classification.modelling.attribution import path_contributions
from customer_classification.modelling.metrics import validation_score
from customer_classification.modelling.spec import Task

Report = Callable[[int, float], None]
# LightGBM's own number of boosting rounds (n_estimators), a point of the search space
LIGHTGBM_DEFAULT_ROUNDS = 100
DEFAULT_ROUNDS = "fixed_100"
# Levels of a text column a linear family one-hot encodes; the rarer ones share one column.
MAX_ONE_HOT_LEVELS = 50


@dataclass(frozen=True)
class FitContext:
    """What every fit needs besides data: the task and the study's reproducibility settings."""

    task: Task
    n_classes: int
    seed: int
    n_threads: int
    early_stopping_rounds: int
    max_boosting_rounds: int
    report_every: int


class LightGBMModel:
    """A LightGBM booster; ``contributions`` gives LightGBM's own per-feature contributions."""

    family = "lightgbm"

    def __init__(self, booster: lgb.Booster, task: Task, best_iteration: int):
        self.booster = booster
        self.task = task
        self.best_iteration = best_iteration

    def raw_score(self, features: pd.DataFrame) -> np.ndarray:
        """Margin (log-odds for binary), shape (n,) or (n, k)."""
        return self.booster.predict(features, num_iteration=self.best_iteration, raw_score=True)

    def predict(self, features: pd.DataFrame) -> np.ndarray:
        return self.booster.predict(features, num_iteration=self.best_iteration)

    def contributions(
        self, features: pd.DataFrame, class_index: int | None = None, attribution: str = "treeshap"
    ) -> np.ndarray:
        """Contributions in margin units, shape (n, n_features + 1): exact TreeSHAP (``treeshap``), or
        path credits (``path``, :mod:`.attribution`); the last column is the expected value (the
        roots' values for ``path``), and each row sums to ``raw_score`` (binary and regression).

        Multiclass: every class's block side by side, (n, k * (n_features + 1)); with
        ``class_index``, only that class's block, computed from that class's trees alone
        (TreeSHAP costs the same per tree whichever class it serves, so one class of k costs
        1/k of all of them, and gives the same values).
        """
        if attribution == "path" and (class_index is not None or self.booster.num_model_per_iteration() == 1):
            return path_contributions(self.booster, features, self.best_iteration, class_index)
        if class_index is None or self.booster.num_model_per_iteration() == 1:
            return self.booster.predict(features, num_iteration=self.best_iteration, pred_contrib=True)
        return self._class_booster(class_index).predict(features, pred_contrib=True)

    def _class_booster(self, class_index: int) -> lgb.Booster:
        """A regression booster made of one class's trees of this multiclass booster: its raw
        score is that class's margin. Trees are stored round by round, one per class."""
        per_round = self.booster.num_model_per_iteration()
        text = self.booster.model_to_string(num_iteration=self.best_iteration)
        header, rest = text.split("\nTree=0\n", 1)
        trees, tail = ("Tree=0\n" + rest).split("end of trees", 1)
        blocks = [b for b in re.split(r"(?m)^Tree=\d+\n", trees) if b.strip()]
        kept = [f"Tree={i}\n{block.strip()}\n\n" for i, block in enumerate(blocks[class_index::per_round])]
        header = re.sub(r"(?m)^num_class=\d+$", "num_class=1", header)
        header = re.sub(r"(?m)^num_tree_per_iteration=\d+$", "num_tree_per_iteration=1", header)
        header = re.sub(r"(?m)^objective=.*$", "objective=regression", header)
        header = re.sub(r"(?m)^tree_sizes=.*\n", "", header)  # sizes of the trees left out; optional
        categorical = tail[tail.index("\npandas_categorical:") :] if "\npandas_categorical:" in tail else "\n"
        return lgb.Booster(model_str=f"{header}\n\n{''.join(kept)}end of trees\n{categorical}")


class SklearnModel:
    """A scikit-learn pipeline (preprocessing + estimator) behind the same ``predict``."""

    def __init__(self, family: str, pipeline: Pipeline, task: Task):
        self.family = family
        self.pipeline = pipeline
        self.task = task

    def raw_score(self, features: pd.DataFrame) -> np.ndarray:
        if self.task == "binary":
            p = np.clip(self.predict(features), 1e-12, 1 - 1e-12)
            return np.log(p / (1 - p))
        return self.predict(features)

    def predict(self, features: pd.DataFrame) -> np.ndarray:
        if self.task == "regression":
            return self.pipeline.predict(features)
        proba = self.pipeline.predict_proba(features)
        return proba[:, 1] if self.task == "binary" else proba


def _lightgbm_space(trial: optuna.Trial, task: Task) -> dict[str, Any]:
    # every range holds LightGBM's default (see _lightgbm_defaults), so the defaults are a point of the space
    # LightGBM's 100 rounds, or as many as validation wants (early stopping, up to max_boosting_rounds)
    rounds = trial.suggest_categorical("lgbm_rounds", ["early_stopping", DEFAULT_ROUNDS])
    depth_limited = trial.suggest_categorical("lgbm_depth_limited", [False, True])
    regularised = trial.suggest_categorical("lgbm_regularised", [False, True])
    config = {
        "early_stopping": rounds == "early_stopping",
        "num_leaves": trial.suggest_int("lgbm_num_leaves", 7, 255, log=True),
        "max_depth": trial.suggest_int("lgbm_max_depth", 3, 12) if depth_limited else -1,
        "learning_rate": trial.suggest_float("lgbm_learning_rate", 0.01, 0.3, log=True),
        "min_child_samples": trial.suggest_int("lgbm_min_child_samples", 5, 300, log=True),
        "feature_fraction": trial.suggest_float("lgbm_feature_fraction", 0.3, 1.0),
        "bagging_fraction": trial.suggest_float("lgbm_bagging_fraction", 0.5, 1.0),
        "lambda_l1": trial.suggest_float("lgbm_lambda_l1", 1e-8, 10.0, log=True) if regularised else 0.0,
        "lambda_l2": trial.suggest_float("lgbm_lambda_l2", 1e-8, 10.0, log=True) if regularised else 0.0,
        # a text column of many levels (a country, a branch) has few rows per level: these let
        # LightGBM split on it at all (without categorical features they change nothing)
        "min_data_per_group": trial.suggest_int("lgbm_min_data_per_group", 5, 200, log=True),
        "cat_smooth": trial.suggest_float("lgbm_cat_smooth", 1.0, 50.0, log=True),
    }
    if task == "binary":
        config["is_unbalance"] = trial.suggest_categorical("lgbm_class_weighting", [False, True])
    return config


def _lightgbm_defaults(task: Task) -> dict[str, Any]:
    """``lightgbm.LGBMClassifier()`` / ``LGBMRegressor()`` as trial parameters: 100 rounds, no early stopping."""
    defaults = {
        "lgbm_rounds": DEFAULT_ROUNDS,
        "lgbm_depth_limited": False,
        "lgbm_regularised": False,
        "lgbm_num_leaves": 31,
        "lgbm_learning_rate": 0.1,
        "lgbm_min_child_samples": 20,
        "lgbm_feature_fraction": 1.0,
        "lgbm_bagging_fraction": 1.0,
        "lgbm_min_data_per_group": 100,
        "lgbm_cat_smooth": 10.0,
    }
    if task == "binary":
        defaults["lgbm_class_weighting"] = False
    return defaults


_OBJECTIVE = {
    "binary": ("binary", "auc"),
    "regression": ("regression", "rmse"),
    "multiclass": ("multiclass", "multi_logloss"),
}


def _fit_lightgbm(config, X, y, ctx: FitContext, X_valid=None, y_valid=None, report: Report | None = None):
    objective, metric = _OBJECTIVE[ctx.task]
    params = {
        **{k: v for k, v in config.items() if k not in ("n_rounds", "early_stopping")},
        "objective": objective,
        "metric": metric,
        "bagging_freq": 1,
        "seed": ctx.seed,
        "deterministic": True,
        "force_col_wise": True,
        "num_threads": ctx.n_threads,
        "verbosity": -1,
    }
    if ctx.task == "multiclass":
        params["num_class"] = ctx.n_classes
    train = lgb.Dataset(X, label=y, free_raw_data=True)
    if X_valid is None:
        booster = lgb.train(params, train, num_boost_round=config["n_rounds"])
        return LightGBMModel(booster, ctx.task, booster.current_iteration())
    valid = lgb.Dataset(X_valid, label=y_valid, reference=train)
    stops_early = config.get("early_stopping", True)
    callbacks = [lgb.early_stopping(ctx.early_stopping_rounds, verbose=False)] if stops_early else []
    if report is not None:

        def _report(env: lgb.callback.CallbackEnv) -> None:
            if (env.iteration + 1) % ctx.report_every == 0:
                report(env.iteration + 1, float(env.evaluation_result_list[0][2]))

        callbacks.append(_report)
    rounds = ctx.max_boosting_rounds if stops_early else LIGHTGBM_DEFAULT_ROUNDS
    booster = lgb.train(params, train, num_boost_round=rounds, valid_sets=[valid], callbacks=callbacks)
    return LightGBMModel(booster, ctx.task, booster.best_iteration or booster.current_iteration())


def _signed_log(x: np.ndarray) -> np.ndarray:
    # amounts and balances are heavy-tailed: a linear model sees orders of magnitude
    return np.sign(x) * np.log1p(np.abs(x))


def _as_text(x: pd.DataFrame) -> pd.DataFrame:
    return x.astype("object").where(x.notna(), "__missing__")


def _linear_preprocessor(X: pd.DataFrame) -> ColumnTransformer:
    numeric = [c for c in X.columns if not isinstance(X[c].dtype, pd.CategoricalDtype)]
    categorical = [c for c in X.columns if c not in numeric]
    return ColumnTransformer(
        [
            (
                "numeric",
                make_pipeline(
                    FunctionTransformer(_signed_log, feature_names_out="one-to-one"),
                    SimpleImputer(strategy="median", keep_empty_features=True),
                    StandardScaler(),
                ),
                numeric,
            ),
            (
                "categorical",
                make_pipeline(
                    FunctionTransformer(_as_text, feature_names_out="one-to-one"),
                    # a text column with thousands of levels (a name, a postcode) stays a few dozen
                    # sparse columns: the rarest levels share one, unseen ones join it
                    OneHotEncoder(
                        handle_unknown="infrequent_if_exist", max_categories=MAX_ONE_HOT_LEVELS, sparse_output=True
                    ),
                ),
                categorical,
            ),
        ],
        sparse_threshold=0.3,
    )


def _linear_defaults(task: Task) -> dict[str, Any]:
    """``Ridge()`` (alpha 1) or ``LogisticRegression()`` (C 1, no class weights) as trial parameters."""
    if task == "regression":
        return {"linear_alpha": 1.0}
    return {"logistic_C": 1.0, **({"logistic_class_weighting": None} if task == "binary" else {})}


def _linear_space(trial: optuna.Trial, task: Task) -> dict[str, Any]:
    if task == "regression":
        return {"alpha": trial.suggest_float("linear_alpha", 1e-3, 1e3, log=True)}
    config = {"C": trial.suggest_float("logistic_C", 1e-3, 10.0, log=True)}
    if task == "binary":
        config["class_weight"] = trial.suggest_categorical("logistic_class_weighting", [None, "balanced"])
    return config


def _fit_linear(config, X, y, ctx: FitContext, X_valid=None, y_valid=None, report: Report | None = None):
    if ctx.task == "regression":
        estimator = Ridge(alpha=config["alpha"])
        family = "linear"
    else:
        estimator = LogisticRegression(
            C=config["C"], class_weight=config.get("class_weight"), solver="newton-cholesky", max_iter=200
        )
        family = "logistic"
    model = SklearnModel(family, Pipeline([("prepare", _linear_preprocessor(X)), ("model", estimator)]), ctx.task)
    model.pipeline.fit(X, y)
    if report is not None and X_valid is not None:
        report(1, validation_score(ctx.task, y_valid, model.predict(X_valid)))
    return model


def _forest_preprocessor(X: pd.DataFrame) -> ColumnTransformer:
    categorical = [c for c in X.columns if isinstance(X[c].dtype, pd.CategoricalDtype)]
    encoder = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan, encoded_missing_value=np.nan)
    return ColumnTransformer(
        [
            (
                "categorical",
                make_pipeline(FunctionTransformer(_as_text, feature_names_out="one-to-one"), encoder),
                categorical,
            )
        ],
        remainder="passthrough",
    )


def _forest_space(trial: optuna.Trial, task: Task) -> dict[str, Any]:
    # every range holds scikit-learn's default (see _forest_defaults)
    depth_limited = trial.suggest_categorical("forest_depth_limited", [False, True])
    feature_rule = trial.suggest_categorical("forest_max_features_rule", ["sqrt", "share"])
    config = {
        "n_estimators": trial.suggest_int("forest_n_estimators", 50, 300, step=25),
        "max_depth": trial.suggest_int("forest_max_depth", 4, 20) if depth_limited else None,
        "min_samples_leaf": trial.suggest_int("forest_min_samples_leaf", 1, 100, log=True),
        "max_features": trial.suggest_float("forest_max_features", 0.05, 1.0) if feature_rule == "share" else "sqrt",
        # 1.0 draws as many rows as the table has: scikit-learn's default bootstrap
        "max_samples": trial.suggest_float("forest_max_samples", 0.1, 1.0),
    }
    if task == "binary":
        config["class_weight"] = trial.suggest_categorical("forest_class_weighting", [None, "balanced_subsample"])
    return config


def _forest_defaults(task: Task) -> dict[str, Any]:
    """``RandomForestClassifier()`` / ``RandomForestRegressor()`` as trial parameters."""
    defaults = {
        "forest_depth_limited": False,
        "forest_n_estimators": 100,
        "forest_min_samples_leaf": 1,
        "forest_max_samples": 1.0,
    }
    if task == "regression":
        defaults |= {"forest_max_features_rule": "share", "forest_max_features": 1.0}
    else:
        defaults["forest_max_features_rule"] = "sqrt"
    if task == "binary":
        defaults["forest_class_weighting"] = None
    return defaults


def _fit_forest(config, X, y, ctx: FitContext, X_valid=None, y_valid=None, report: Report | None = None):
    kind = RandomForestRegressor if ctx.task == "regression" else RandomForestClassifier
    forest = kind(**{**config, "n_estimators": 0}, n_jobs=ctx.n_threads, random_state=ctx.seed, warm_start=True)
    prepare = _forest_preprocessor(X)
    design = prepare.fit_transform(X)
    valid_design = prepare.transform(X_valid) if X_valid is not None else None
    model = SklearnModel("random_forest", Pipeline([("prepare", prepare), ("model", forest)]), ctx.task)
    grown = 0
    # trees are grown in steps so that a poor forest is pruned before it is complete
    while grown < config["n_estimators"]:
        grown = min(grown + ctx.report_every, config["n_estimators"])
        forest.set_params(n_estimators=grown, n_jobs=ctx.n_threads)
        forest.fit(design, y)
        # threads add the trees' predictions in whichever order they finish, which changes the last
        # bits of a sum: one thread predicts, so a customer's score is the same on every run
        forest.set_params(n_jobs=1)
        if report is not None and valid_design is not None:
            proba = forest.predict(valid_design) if ctx.task == "regression" else forest.predict_proba(valid_design)
            report(grown, validation_score(ctx.task, y_valid, proba[:, 1] if ctx.task == "binary" else proba))
    return model


@dataclass(frozen=True)
class Family:
    """A model family: its search space, its default configuration (as trial parameters) and its fit.

    ``search_weight`` is the family's share of the trials left after the defaults, relative to the
    others': LightGBM has eight hyperparameters, a linear model one or two.
    """

    name: str
    suggest: Callable[[optuna.Trial, Task], dict[str, Any]]
    defaults: Callable[[Task], dict[str, Any]]
    fit: Callable[..., Any]
    search_weight: int = 1


FAMILY_REGISTRY = {
    "lightgbm": Family("lightgbm", _lightgbm_space, _lightgbm_defaults, _fit_lightgbm, search_weight=3),
    "logistic": Family("logistic", _linear_space, _linear_defaults, _fit_linear),
    "linear": Family("linear", _linear_space, _linear_defaults, _fit_linear),
    "random_forest": Family("random_forest", _forest_space, _forest_defaults, _fit_forest, search_weight=2),
}


def refit_config(config: dict[str, Any], n_refit_rows: int, n_train_rows: int) -> dict[str, Any]:
    """The configuration to refit on ``n_refit_rows`` (train + validation) after tuning on ``n_train_rows``.

    LightGBM's early-stopped rounds are scaled by the ratio of rows: a larger set supports more
    rounds before the trees start fitting noise, and the refit has no validation rows to stop on.
    LightGBM's fixed 100 rounds were not chosen on the training rows and stay 100.
    """
    if "n_rounds" not in config or not config.get("early_stopping", True):
        return dict(config)
    return {**config, "n_rounds": max(1, round(config["n_rounds"] * n_refit_rows / n_train_rows))}
