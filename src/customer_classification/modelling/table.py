"""The model table: features joined to labels, one row per customer and snapshot, with a split.

Modelling works on pandas (one machine fits the models): the feature table may arrive as pandas,
Polars (eager or lazy) or PySpark; only the snapshots of the split are converted.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

import narwhals as nw
import numpy as np
import pandas as pd

from customer_classification.modelling.spec import ModelSpec, SplitSpec

logger = logging.getLogger(__name__)

SPLIT = "split"
SPLITS = ("train", "validation", "test", "scoring")


def snapshot_rows(
    frame: Any,
    snapshot_column: str | None,
    snapshots: list[dt.date] | None,
    columns: list[str] | None = None,
    where: nw.Expr | None = None,
) -> pd.DataFrame:
    """The rows of ``snapshots`` (every row when None, or when the table has no snapshot column)
    that meet ``where`` (when given), of ``columns`` (every column when None), as pandas, from
    whatever engine the catalog loaded, filtered there. The snapshot column, when kept, comes as
    ``datetime64[us]`` whatever the engine's date type."""
    native = nw.from_native(frame)
    if snapshot_column is not None and snapshot_column not in native.columns:
        raise ValueError(f"column '{snapshot_column}' (the snapshot column) is missing; columns: {native.columns[:8]}")
    if snapshots is not None and snapshot_column is not None:
        wanted = [dt.datetime.combine(d, dt.time()) for d in snapshots]
        native = native.filter(nw.col(snapshot_column).cast(nw.Datetime("us")).is_in(wanted))
    if where is not None:
        native = native.filter(where)
    if columns is not None:
        native = native.select(*dict.fromkeys(columns))
    if isinstance(native, nw.LazyFrame):
        native = native.collect()
    out = native.to_pandas()
    if snapshot_column is not None and snapshot_column in out.columns:
        out[snapshot_column] = pd.to_datetime(out[snapshot_column]).astype("datetime64[us]")
    return out


def assemble_model_table(features: Any, labels: Any, spec: ModelSpec, split: SplitSpec) -> pd.DataFrame:
    """Join features to the target and population flags and mark each row's split.

    Returns one row per customer (and snapshot) in the population (every ``spec.population`` flag
    true); labelled splits keep only rows with a target. ``split.method`` ``time``: the split's
    snapshots, by date; ``random``: every row, the labelled ones split at random (stratified), the
    others scored. Columns: id, snapshot (when the table has one), ``split``, target, then the
    feature columns of ``features``.
    """
    if split.method == "random":
        keyed, in_population = _keyed(features, labels, spec, None)
        names = _random_names(keyed, in_population, spec, split)
    else:
        snapshots = [*split.training_snapshots, split.validation_snapshot, split.test_snapshot]
        snapshots += [split.scoring_snapshot] if split.scoring_snapshot else []
        keyed, in_population = _keyed(features, labels, spec, snapshots)
        names = _time_names(keyed, in_population, spec, split)
    table = _with_features(features, keyed, _sampled(keyed, names, spec, split), spec)
    counts = table[SPLIT].value_counts().reindex(list(SPLITS)).to_dict()
    logger.info("model table for target '%s' (%s split): rows per split %s", spec.target, split.method, counts)
    for name in ("train", "validation", "test"):
        if counts[name] == 0:
            raise ValueError(
                f"the {name} split of target '{spec.target}' has no labelled rows in the population "
                f"{spec.population}: check the split ({split.method}) and the label table"
            )
    return table


def assemble_scoring_table(features: Any, labels: Any, spec: ModelSpec, split: SplitSpec) -> pd.DataFrame:
    """The model table's scoring rows alone, as :func:`assemble_model_table` marks them: all a score
    needs. A time split reads the scoring snapshot only, so a score's memory follows one snapshot
    rather than the split's five. With no scoring row, the model table's first row (its split
    kept), which gives the scores their columns and types."""
    if split.method == "time" and split.scoring_snapshot is not None:
        keyed, in_population = _keyed(features, labels, spec, [split.scoring_snapshot])
        if in_population.any():
            return _with_features(features, keyed, np.where(in_population, "scoring", ""), spec)
    table = assemble_model_table(features, labels, spec, split)
    scoring = (table[SPLIT] == "scoring").to_numpy()
    return (table[scoring] if scoring.any() else table.head(1)).reset_index(drop=True)


def _with_features(features: Any, keyed: pd.DataFrame, names: np.ndarray, spec: ModelSpec) -> pd.DataFrame:
    """The rows of ``keyed`` with a split name, their features read for them alone (filtered in the
    engine that holds the table, so a bank's unused rows never reach pandas), the name in the
    ``split`` column, the population flags dropped, in the order of snapshot then id."""
    keys = spec.key_columns
    kept = keyed.loc[names != "", [*keys, *spec.label_columns]].assign(**{SPLIT: names[names != ""]})
    feats = snapshot_rows(features, spec.snapshot_column, _snapshots_of(kept, spec), where=_key_filter(kept, spec))
    feats = feats.drop(columns=[c for c in spec.label_columns if c in feats.columns])
    table = feats.merge(kept, on=keys, how="inner", validate="one_to_one")
    split = table.pop(SPLIT).to_numpy()
    table = table.drop(columns=[c for c in spec.population if c != spec.target])
    table.insert(len(keys), SPLIT, pd.Categorical(split, categories=list(SPLITS)))
    order = [*spec.key_columns[1:], spec.id_column]
    return table.sort_values(order, kind="stable").reset_index(drop=True)


def _snapshots_of(kept: pd.DataFrame, spec: ModelSpec) -> list[dt.date] | None:
    if spec.snapshot_column is None:
        return None
    return sorted({moment.date() for moment in kept[spec.snapshot_column]})


def _key_filter(kept: pd.DataFrame, spec: ModelSpec) -> nw.Expr:
    """True for the rows of ``kept``'s keys: each snapshot's ids."""
    if spec.snapshot_column is None:
        return nw.col(spec.id_column).is_in(kept[spec.id_column].tolist())
    when = nw.col(spec.snapshot_column).cast(nw.Datetime("us"))
    wanted = nw.lit(False)
    for moment, ids in kept.groupby(spec.snapshot_column, sort=True)[spec.id_column]:
        wanted = wanted | ((when == moment.to_pydatetime()) & nw.col(spec.id_column).is_in(ids.tolist()))
    return wanted


def _keyed(features: Any, labels: Any, spec: ModelSpec, snapshots: list[dt.date] | None):
    """The keys of the feature rows joined one to one to the label columns, and whether each row is
    in the population. Of the features, only the key columns are read."""
    keys = spec.key_columns
    labs = snapshot_rows(labels, spec.snapshot_column, snapshots)
    missing = [c for c in [*keys, *spec.label_columns] if c not in labs.columns]
    if missing:
        raise ValueError(f"label table: columns {missing} are missing (the model spec's keys, target and population)")
    if spec.id_column not in nw.from_native(features).columns:
        raise ValueError(f"feature table: the id column '{spec.id_column}' is missing")
    feats = snapshot_rows(features, spec.snapshot_column, snapshots, keys)
    duplicated = feats.duplicated(keys)
    if duplicated.any():
        examples = feats.loc[duplicated, keys].head(3).to_dict("records")
        what = "customer and snapshot" if spec.snapshot_column else "customer (the table has no snapshot column)"
        raise ValueError(f"feature table: {int(duplicated.sum())} rows repeat a {what}, e.g. {examples}")
    table = feats.merge(labs[[*keys, *spec.label_columns]], on=keys, how="inner", validate="one_to_one")
    in_population = np.ones(len(table), dtype=bool)
    for flag in spec.population:
        in_population &= table[flag].fillna(False).astype(bool).to_numpy()
    return table, in_population


def _time_names(table: pd.DataFrame, in_population: np.ndarray, spec: ModelSpec, split: SplitSpec) -> np.ndarray:
    """Each row's split by its snapshot; "" for a row left out (outside the population, unlabelled,
    or in another split's customer holdout group)."""
    when = table[spec.snapshot_column].dt.date
    names = np.select(
        [
            when.isin(split.training_snapshots),
            when == split.validation_snapshot,
            when == split.test_snapshot,
            when == split.scoring_snapshot if split.scoring_snapshot else np.zeros(len(table), dtype=bool),
        ],
        list(SPLITS),
        default="",
    )
    labelled = table[spec.target].notna().to_numpy() & in_population & np.isin(names, SPLITS[:3])
    kept = labelled.copy()
    if split.customer_holdout is not None:
        group = customer_group(table[spec.id_column], split.customer_holdout)
        kept &= group == np.select([names == s for s in SPLITS[:3]], [0, 1, 2], default=-1)
        logger.warning(
            "customer holdout %s (split.customer_holdout): labelled rows kept / held out per split %s; a held-out "
            "row's customer belongs to another split's group. Set customer_holdout: null only when the outcome "
            "windows of the split's snapshots do not overlap",
            split.customer_holdout,
            {
                s: f"{int((kept & (names == s)).sum())} / {int((labelled & ~kept & (names == s)).sum())}"
                for s in SPLITS[:3]
            },
        )
    scoring = in_population & (names == "scoring")
    return np.where(kept | scoring, names, "")


def _random_names(table: pd.DataFrame, in_population: np.ndarray, spec: ModelSpec, split: SplitSpec) -> np.ndarray:
    """A seeded random split of the labelled rows, stratified by the target (its deciles for a
    regression), in ``split.random_shares``; the unlabelled rows are scored."""
    labelled = table[spec.target].notna().to_numpy() & in_population
    ids = table.loc[labelled, spec.id_column]
    if ids.duplicated().any():
        raise ValueError(
            f"split.method 'random' needs one labelled row per customer, but {int(ids.duplicated().sum())} rows "
            f"repeat a '{spec.id_column}': use split.method 'time' for a table of several snapshots"
        )
    # the split must not depend on the order the rows arrive in
    order = np.argsort(table[spec.id_column].astype(str).to_numpy(), kind="stable")
    target = table[spec.target].to_numpy()[order]
    if spec.task == "regression":
        ranks = pd.Series(target).rank(method="first").to_numpy()
        strata = np.floor(10 * (ranks - 1) / max(int(labelled.sum()), 1))
    else:
        strata = pd.Series(target).astype(str).to_numpy()
    rng = np.random.default_rng(split.seed)
    names = np.where(in_population[order] & ~labelled[order], "scoring", "").astype(object)
    for stratum in sorted(set(strata[labelled[order]].tolist())):
        rows = rng.permutation(np.flatnonzero(labelled[order] & (strata == stratum)))
        cuts = np.round(np.cumsum(split.random_shares)[:-1] * len(rows)).astype(int)
        for name, part in zip(SPLITS[:3], np.split(rows, cuts), strict=True):
            names[part] = name
    out = np.empty(len(table), dtype=object)
    out[order] = names
    return out.astype(str)


def _strata(target: np.ndarray, task: str) -> np.ndarray:
    """The target's classes, or its deciles for a regression."""
    if task == "regression":
        ranks = pd.Series(target).rank(method="first").to_numpy()
        return np.floor(10 * (ranks - 1) / max(len(target), 1))
    return pd.Series(target).astype(str).to_numpy()


def _keep_per_stratum(strata: np.ndarray, order: np.ndarray, limit: int) -> np.ndarray:
    """A mask of at most ``limit`` rows: each stratum in its share, the rows first in ``order``."""
    kept = np.zeros(len(strata), dtype=bool)
    for stratum in np.unique(strata):
        members = np.flatnonzero(strata == stratum)
        take = int(round(len(members) * limit / len(strata)))
        kept[members[np.argsort(order[members], kind="stable")[:take]]] = True
    return kept


def stratified_sample(target: np.ndarray, task: str, limit: int | None, seed: int) -> np.ndarray | None:
    """Positions of at most ``limit`` rows of ``target``, each stratum (classes; deciles of a
    regression target) in its share, drawn with ``seed``; None when ``target`` is no longer."""
    if limit is None or len(target) <= limit:
        return None
    order = np.random.default_rng(seed).random(len(target))
    return np.flatnonzero(_keep_per_stratum(_strata(target, task), order, limit))


def _sampled(table: pd.DataFrame, names: np.ndarray, spec: ModelSpec, split: SplitSpec) -> np.ndarray:
    """``names`` with the train and validation rows above ``split.max_training_rows`` left out: the
    rows with the smallest keyed hashes of (id, snapshot) in each stratum of the target, each
    stratum in its share, so the sample is the same whatever the order the rows arrive in."""
    limit = split.max_training_rows
    names = np.asarray(names, dtype=object).copy()
    for name in SPLITS[:2]:
        rows = np.flatnonzero(names == name)
        if limit is None or len(rows) <= limit:
            continue
        keys = table[spec.id_column].iloc[rows].astype(str)
        if spec.snapshot_column:
            keys = keys + "@" + table[spec.snapshot_column].iloc[rows].astype(str)
        hashed = pd.util.hash_pandas_object(keys, index=False, hash_key="training-samples").to_numpy()
        kept = _keep_per_stratum(_strata(table[spec.target].to_numpy()[rows], spec.task), hashed, limit)
        names[rows[~kept]] = ""
        logger.warning(
            "target '%s': %d %s rows, a stratified sample of %d kept (split.max_training_rows: %d)",
            spec.target,
            len(rows),
            name,
            int(kept.sum()),
            limit,
        )
    return names.astype(str)


def customer_group(ids: pd.Series, shares: list[float]) -> np.ndarray:
    """0 (train), 1 (validation) or 2 (test) per row, from a keyed hash of the customer id, so a
    customer is in one group in every run and on every machine."""
    hashed = pd.util.hash_pandas_object(ids.astype(str), index=False, hash_key="customer-holdout").to_numpy()
    unit = (hashed >> np.uint64(11)).astype(np.float64) / float(2**53)
    return np.searchsorted(np.cumsum(shares)[:-1], unit, side="right")


def infer_feature_columns(table: pd.DataFrame, spec: ModelSpec) -> tuple[list[str], list[str]]:
    """The numeric and categorical feature columns: declared, or every other column by dtype."""
    reserved = {*spec.key_columns, spec.target, SPLIT, *spec.population, *spec.exclude_features}
    candidates = [c for c in table.columns if c not in reserved]
    if spec.numeric_features is not None:
        numeric = list(spec.numeric_features)
    else:
        numeric = [
            c for c in candidates if pd.api.types.is_numeric_dtype(table[c]) or pd.api.types.is_bool_dtype(table[c])
        ]
    if spec.categorical_features is not None:
        categorical = list(spec.categorical_features)
    else:
        categorical = [c for c in candidates if c not in numeric and _is_text(table[c])]
    absent = [c for c in [*numeric, *categorical] if c not in table.columns]
    if absent:
        raise ValueError(f"declared feature columns are not in the feature table: {absent[:5]}")
    return numeric, categorical


def _is_text(column: pd.Series) -> bool:
    return (
        isinstance(column.dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(column) or column.dtype == object
    )


@dataclass
class FeatureEncoder:
    """Fixes the feature columns, their order and each categorical's categories at fit time.

    ``transform`` returns a float64 / pandas-categorical frame (n_rows, n_features) that every
    model family accepts. A feature missing in every training row is dropped (logged); a
    category unseen in training becomes missing (logged with counts and examples once per column,
    however many times the model scores).
    """

    numeric: list[str]
    categorical: list[str]
    categories_: dict[str, list[str]] = field(default_factory=dict)
    dropped_: list[str] = field(default_factory=list)

    def _warned_unseen(self) -> set[str]:
        # not a dataclass field: a pickled model of an earlier version has no such attribute
        if not hasattr(self, "_unseen_logged"):
            self._unseen_logged: set[str] = set()
        return self._unseen_logged

    def __getstate__(self) -> dict:
        # a persisted model logs its unseen categories afresh in the run that loads it
        return {k: v for k, v in self.__dict__.items() if k != "_unseen_logged"}

    def fit(self, frame: pd.DataFrame) -> FeatureEncoder:
        empty = [c for c in [*self.numeric, *self.categorical] if frame[c].isna().all()]
        if empty:
            logger.warning("features %s are missing in every training row; they are dropped from the model", empty[:10])
        self.dropped_ = empty
        self.numeric = [c for c in self.numeric if c not in empty]
        self.categorical = [c for c in self.categorical if c not in empty]
        if not self.numeric and not self.categorical:
            raise ValueError("no usable feature: every declared feature is missing in the training rows")
        self.categories_ = {c: sorted(frame[c].dropna().astype(str).unique().tolist()) for c in self.categorical}
        return self

    @property
    def columns(self) -> list[str]:
        return [*self.numeric, *self.categorical]

    def transform(self, frame: pd.DataFrame) -> pd.DataFrame:
        absent = [c for c in self.columns if c not in frame.columns]
        if absent:
            raise ValueError(f"the table to score lacks the model's feature columns {absent[:5]}")
        out = {}
        for c in self.numeric:
            values = frame[c]
            try:
                out[c] = pd.array(values, dtype="Float64").to_numpy(dtype="float64", na_value=np.nan)
            except (TypeError, ValueError):
                raise ValueError(
                    f"feature '{c}' is declared numeric but holds text, e.g. {values.dropna().head(3).tolist()}"
                ) from None
        for c in self.categorical:
            text = frame[c].astype("object").where(frame[c].notna(), None)
            known = self.categories_[c]
            unseen = text.notna() & ~text.isin(known)
            if unseen.any() and c not in self._warned_unseen():
                self._warned_unseen().add(c)
                examples = sorted(text[unseen].astype(str).unique().tolist())[:3]
                logger.warning(
                    "feature '%s': %d rows hold categories unseen in training (e.g. %s); they are scored as missing "
                    "(logged once per column)",
                    c,
                    int(unseen.sum()),
                    examples,
                )
            out[c] = pd.Categorical(text.where(~unseen, None), categories=known)
        return pd.DataFrame(out, index=frame.index)
