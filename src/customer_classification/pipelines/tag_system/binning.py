"""The tag binner: learns each tag's cut points once, then tags any snapshot with them.

What a tag learns and how it assigns levels belongs to its kind (:mod:`.kinds`);
the binner only runs the checks, keeps what each tag learned and assembles the table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from customer_classification.pipelines.tag_system.checks import TagConfigError, check_tags_against_features
from customer_classification.pipelines.tag_system.kinds.base import Level, TagFitError
from customer_classification.pipelines.tag_system.params import TagSpec
from customer_classification.pipelines.tag_system.targets import KEY_COLUMNS

__all__ = ["FittedTag", "Level", "TagBinner", "TagFitError", "kind_of"]


@dataclass(frozen=True)
class FittedTag:
    """A tag with its learned cut points (empty for mappings and rules) and its levels."""

    spec: TagSpec
    cut_points: tuple[float, ...]
    levels: tuple[Level, ...]

    @classmethod
    def learn(cls, spec: TagSpec, features: pd.DataFrame, targets: pd.DataFrame | None) -> FittedTag:
        """The tag fitted on the training rows (``targets``: only read for a tag learned against one)."""
        target = targets[spec.learned_against] if spec.learned_against else None
        cut_points = spec.learn_cut_points(features[spec.source], target)
        return cls(spec, cut_points, spec.levels(cut_points))

    @property
    def labels(self) -> list[str]:
        return [level.label for level in self.levels]

    def assign(self, features: pd.DataFrame) -> pd.Categorical:
        """Each row's level as an ordered categorical; a missing source gives a missing tag."""
        codes = self.spec.assign(features, self.cut_points)
        return pd.Categorical.from_codes(codes, categories=self.labels, ordered=True)


def kind_of(dtype: object) -> str:
    """``numeric`` (booleans included: true is 1), ``text`` or the dtype's name, for the configuration checks."""
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
        return "numeric"
    if pd.api.types.is_string_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype):
        return "text"
    return str(dtype)


# auto_wrap_output_keys=None: transform returns the key columns beside the tags, so scikit-learn's
# set_output must not relabel its columns with get_feature_names_out
class TagBinner(TransformerMixin, BaseEstimator, auto_wrap_output_keys=None):
    """Turns customer features into ordered, labelled tags, with cut points learned once.

    ``fit`` learns what depends on data (quantile and supervised cut points) from
    the training rows and keeps it; ``transform`` applies the kept cut points to
    any rows, so a customer's tag changes only when the customer's own value does,
    never because the rest of the population moved.

    Args:
        tags: The tag definitions, a sequence (``list(TagSystemParams.tags.values())``).

    Attributes:
        tags_: tag name -> :class:`FittedTag` (definition, cut points, levels), in declaration order.
        feature_names_in_: every feature the tags read, each once.
        n_features_in_: how many features the tags read.
        n_rows_fit_: rows the binner was fitted on.
    """

    def __init__(self, tags: Sequence[TagSpec]):
        self.tags = tags

    def check_features(self, kinds: dict[str, str], table: str = "customer_features") -> None:
        """Raise :class:`~.checks.TagConfigError` naming each tag whose features are missing or of the wrong kind."""
        check_tags_against_features(self.tags, kinds, table)

    def fit(self, features: pd.DataFrame, targets: pd.DataFrame | None = None) -> TagBinner:
        """Learn every tag's levels from the training rows.

        Args:
            features: n training rows (customer-snapshots) holding every source feature.
            targets: n rows aligned with ``features``, one float column per target a
                supervised tag names (missing outside the target's population).

        Returns:
            The fitted binner.
        """
        self.check_features({c: kind_of(t) for c, t in features.dtypes.items()})
        problems = [problem for tag in self.tags for problem in tag.training_problems(features)]
        if problems:
            raise TagConfigError("\n".join(problems))
        needed = {tag.learned_against for tag in self.tags} - {None}
        absent = sorted(needed - set(targets.columns if targets is not None else ()))
        if absent:
            raise TagConfigError(f"supervised tags need the targets {absent}, which were not given")
        self.tags_ = {tag.name: FittedTag.learn(tag, features, targets) for tag in self.tags}
        self.feature_names_in_ = np.asarray(list(dict.fromkeys(f for tag in self.tags for f in tag.features)), object)
        self.n_features_in_ = len(self.feature_names_in_)
        self.n_rows_fit_ = len(features)
        return self

    def transform(self, features: pd.DataFrame) -> pd.DataFrame:
        """Tag every row with the fitted levels.

        Args:
            features: n rows holding every source feature (and the key columns, if any).

        Returns:
            n rows: ``customer_id`` and ``snapshot_date`` (where given), then one
            ordered ``pandas.Categorical`` per tag; a missing source gives a missing tag.
        """
        check_is_fitted(self, "tags_")
        absent = [f for f in self.feature_names_in_ if f not in features.columns]
        if absent:
            users = [name for name, fitted in self.tags_.items() if set(fitted.spec.features) & set(absent)]
            raise TagConfigError(f"features {absent} read by tags {users} are not columns of the table to tag")
        columns = {key: features[key].to_numpy() for key in KEY_COLUMNS if key in features.columns}
        for name, fitted in self.tags_.items():
            columns[name] = fitted.assign(features)
        return pd.DataFrame(columns)

    def get_feature_names_out(self, input_features: Sequence[str] | None = None) -> np.ndarray:
        """The tag columns ``transform`` writes after the key columns, in order."""
        check_is_fitted(self, "tags_")
        return np.asarray(list(self.tags_), dtype=object)
