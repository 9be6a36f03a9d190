"""Typed parameters of ``clustering`` (``parameters_clustering.yml``)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Operator = Literal[">", ">=", "<", "<=", "==", "!="]


class SegmentGroupParams(BaseModel):
    """How one group of customers' data is segmented: under which target, with which k.

    The target is a tag group of the tag system (``target_tag_group``) or a list of
    its tags (``target_tags``, one tag or several); the features clustered are the
    source features the tag system declares for those tags, so the tag system's
    definition is the only list of them. ``tag_groups`` names the tag groups whose
    tags describe and name the clusters (by default the target group).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(description="The group in words, for the report and the front end.")
    target_tag_group: str | None = Field(
        default=None, description="Cluster the source features of every tag of this tag group."
    )
    target_tags: list[str] | None = Field(
        default=None, min_length=1, description="Cluster the source features of these tags (one or more)."
    )
    categorical_weight: float = Field(
        default=1.0, gt=0, description="Scale of a one-hot column against a standardised numeric one."
    )
    tag_groups: list[str] | None = Field(
        default=None, min_length=1, description="Tag groups whose tags describe the clusters; default the target's."
    )
    k_range: tuple[int, int] = (2, 12)
    k: int | Literal["auto"] = Field(
        default="auto", description="'auto': chosen from the evidence over k_range; a number: that many clusters."
    )

    @model_validator(mode="after")
    def _consistent(self) -> SegmentGroupParams:
        low, high = self.k_range
        if not 2 <= low <= high:
            raise ValueError(f"k_range must be two integers 2 <= low <= high; got {list(self.k_range)}")
        if isinstance(self.k, int) and self.k < 2:
            raise ValueError(f"k must be 'auto' or a number of clusters >= 2; got {self.k}")
        if (self.target_tag_group is None) == (self.target_tags is None):
            raise ValueError("give exactly one target: target_tag_group (a tag group) or target_tags (a list of tags)")
        if self.tag_groups is None and self.target_tag_group is None:
            raise ValueError("a group with target_tags needs tag_groups: the tag groups that describe its clusters")
        return self

    @property
    def preset_k(self) -> int | None:
        """The preset number of clusters, or ``None`` when k is chosen from the evidence."""
        return None if self.k == "auto" else self.k

    @property
    def describing_tag_groups(self) -> list[str]:
        return self.tag_groups or [self.target_tag_group]


class KSelectionParams(BaseModel):
    """The evidence behind k, how it decides, and the final fit."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sample_size: int = Field(default=6_000, ge=100, description="Customers the k search fits on.")
    silhouette_sample_size: int = Field(default=3_000, ge=100)
    restarts: int = Field(default=3, ge=2, description="Single-start fits per k, compared for stability.")
    min_stability: float = Field(
        default=0.8, ge=0, le=1, description="Least mean adjusted Rand index between restarts for a k to qualify."
    )
    fit_sample_size: int = Field(
        default=200_000, ge=100, description="Customers the final K-means fits on; every customer is then assigned."
    )
    n_init: int = Field(default=4, ge=1, description="k-means++ initialisations of the final fit.")


class PreprocessingParams(BaseModel):
    """Heavy tails, missing values and scale, learned on the fit snapshot."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    log_skew_above: float = Field(default=2.0, gt=0, description="Log1p a non-negative column this skewed.")
    winsor_quantiles: tuple[float, float] = (0.01, 0.99)

    @model_validator(mode="after")
    def _quantiles(self) -> PreprocessingParams:
        low, high = self.winsor_quantiles
        if not 0 <= low < high <= 1:
            raise ValueError(f"winsor_quantiles must satisfy 0 <= low < high <= 1; got {list(self.winsor_quantiles)}")
        return self


class EligibilityRule(BaseModel):
    """A product category is offered to a cluster only if its median customer passes every rule."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    category: str
    feature: str
    operator: Operator
    value: float
    reason: str = Field(description="Why, in words; shown next to a category held back.")


class ProductMatchingParams(BaseModel):
    """Which product categories a cluster is matched to."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    categories: list[str] = Field(min_length=1)
    min_lift: float = Field(default=1.2, gt=0, description="Penetration in the cluster over the population's.")
    max_penetration: float = Field(
        default=0.85, gt=0, le=1, description="Above this share the cluster has no room left to sell to."
    )
    max_recommendations: int = Field(default=3, ge=1)
    eligibility: list[EligibilityRule] = Field(default_factory=list)


class ClusteringParams(BaseModel):
    """Settings shared by every group's segmentation."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    fit_snapshot: dt.date = Field(description="Snapshot the preprocessing and K-means are fitted on.")
    profile_snapshot: dt.date = Field(description="Snapshot whose customers the profiles and matches describe.")
    seed: int = 20_261_126
    k_selection: KSelectionParams = KSelectionParams()
    preprocessing: PreprocessingParams = PreprocessingParams()
    product_matching: ProductMatchingParams
    n_distinguishing: int = Field(default=5, ge=1, description="Features and tag levels listed per cluster.")
    name_parts: int = Field(default=3, ge=1, description="Tag labels joined into a cluster's name.")
    groups: dict[str, SegmentGroupParams] = Field(min_length=1, description="One segmentation per named group.")

    def group(self, name: str) -> SegmentGroupParams:
        if name not in self.groups:
            raise KeyError(f"no segment group '{name}' in clustering.groups; known: {sorted(self.groups)}")
        return self.groups[name]
