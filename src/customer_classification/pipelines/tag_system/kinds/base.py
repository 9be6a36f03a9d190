"""What every tag kind declares and does, the levels it gives and the helpers the kinds share."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

MISSING = -1  # the code of a missing tag in a pandas Categorical
_NAME_PATTERN = r"^[a-z][a-z0-9_]*$"

Value = float | str


class TagFitError(ValueError):
    """A tag's cut points cannot be learned from the training data as configured."""


def number(value: Value) -> str:
    """A value as people write it: 200,000 or 0.05 or the text itself."""
    if isinstance(value, str):
        return value
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:,.6g}"


@dataclass(frozen=True)
class Level:
    """One level of a tag. Numeric levels hold ``lower <= value < upper`` (None: unbounded)."""

    order: int
    label: str
    definition: str
    lower: float | None = None
    upper: float | None = None


class FrozenModel(BaseModel):
    """Parameters as written: unknown keys refused, never changed after validation."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def check_labels(labels: list[str]) -> list[str]:
    repeated = sorted({label for label in labels if labels.count(label) > 1})
    if repeated:
        raise ValueError(f"must differ from each other; repeated: {repeated}")
    if any(not label.strip() for label in labels):
        raise ValueError("must not be empty")
    return labels


class TagKind(FrozenModel, ABC):
    """What every kind declares and does; a kind learns no cut points unless it says otherwise."""

    name: str = Field(pattern=_NAME_PATTERN, description="Column name of the tag in customer_tags.")
    group: str = Field(description="Tag group: basic, financial, non_financial or a group declared in `groups`.")
    title: str = Field(min_length=1, description="Short name for business users.")
    description: str = Field(min_length=1, description="What the tag says about a customer, in words.")
    source: str = Field(min_length=1, description="Feature of customer_features the tag is read from.")

    # every kind that declares `labels` as a field checks them alike; check_fields=False lets kinds
    # whose labels are derived (category_map) skip it
    @field_validator("labels", check_fields=False)
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        return check_labels(value)

    @property
    def features(self) -> list[str]:
        """Every feature the tag reads, the source first."""
        return [self.source]

    @property
    def learned_against(self) -> str | None:
        """The model target the cut points are learned against, if any."""
        return None

    def learn_cut_points(self, values: pd.Series, target: pd.Series | None) -> tuple[float, ...]:
        """The cut points from the training rows' ``values`` (and ``target``); none by default."""
        return ()

    def training_problems(self, features: pd.DataFrame) -> list[str]:
        """What in the training rows makes the tag unusable, in words; nothing by default."""
        return []

    def kind_problems(self, kinds: Mapping[str, str]) -> list[str]:
        """Features of the wrong kind (``numeric``, ``text`` ...) for this tag, in words."""
        return []

    @abstractmethod
    def levels(self, cut_points: tuple[float, ...]) -> tuple[Level, ...]:
        """The tag's levels, lowest first, given the learned cut points."""

    @abstractmethod
    def assign(self, features: pd.DataFrame, cut_points: tuple[float, ...]) -> np.ndarray:
        """Each row's level code (0 = lowest level, :data:`MISSING` for none)."""

    @abstractmethod
    def method_detail(self, training: str) -> str:
        """How values become levels, in words; ``training`` names the training snapshots."""


class BinnedTagKind(TagKind):
    """A numeric source cut into ``[lower, upper)`` levels between cut points."""

    def kind_problems(self, kinds: Mapping[str, str]) -> list[str]:
        source_kind = kinds[self.source]
        if source_kind == "numeric":
            return []
        return [f"tag '{self.name}': method {self.method} needs a numeric source; '{self.source}' is {source_kind}"]

    def levels(self, cut_points: tuple[float, ...]) -> tuple[Level, ...]:
        bounds = [None, *cut_points, None]
        levels = []
        for i, label in enumerate(self.labels):
            lower, upper = bounds[i], bounds[i + 1]
            if upper is None:
                definition = f"{self.source} >= {number(lower)}"
            elif lower is None:
                definition = f"{self.source} < {number(upper)}"
            else:
                definition = f"{number(lower)} <= {self.source} < {number(upper)}"
            levels.append(Level(i + 1, label, definition, lower, upper))
        return tuple(levels)

    def assign(self, features: pd.DataFrame, cut_points: tuple[float, ...]) -> np.ndarray:
        x = features[self.source].to_numpy(dtype="float64", na_value=np.nan)
        codes = np.searchsorted(np.asarray(cut_points), x, side="right")
        return np.where(np.isnan(x), MISSING, codes)
