"""Typed parameters of ``rm_classification`` (``parameters_rm_classification.yml``)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from customer_classification.taxonomy import PRODUCT_CATEGORIES

# Where a client's product categories come from (docs/rm_classification.md, section 2).
CLIENT_CATEGORY_SOURCES = ("held", "main_product", "top_recommendation")


class ThresholdSettings(BaseModel):
    """The settings of T1-T4: the floors (T3, T4) and the cumulative target and band.

    With ``floor_rule: fixed`` the floors are ``count_floor_t3`` and ``share_floor_t4``;
    with ``population_quantile`` they are the quantiles ``count_floor_quantile`` and
    ``share_floor_quantile`` of the RMs' counts and shares in each category. The
    fields of the other rule must be left out, so that no setting is silently ignored.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    floor_rule: Literal["fixed", "population_quantile"] = Field(
        "fixed", description="'fixed': T3/T4 as given; 'population_quantile': T3/T4 as quantiles of the RMs."
    )
    count_floor_t3: float | None = Field(None, ge=0, description="T3 (fixed rule): candidates have count > T3.")
    share_floor_t4: float | None = Field(None, ge=0, lt=1, description="T4 (fixed rule): candidates have share > T4.")
    count_floor_quantile: float | None = Field(None, ge=0, lt=1, description="T3 as this quantile of the counts.")
    share_floor_quantile: float | None = Field(None, ge=0, lt=1, description="T4 as this quantile of the shares.")
    cumulative_target: float = Field(gt=0, le=1, description="Cumulative percentage the target sets sit around.")
    cumulative_band: float = Field(ge=0, lt=1, description="Half-width of the band around the target.")

    @model_validator(mode="after")
    def _floors_of_the_chosen_rule(self) -> ThresholdSettings:
        fixed, quantiles = ("count_floor_t3", "share_floor_t4"), ("count_floor_quantile", "share_floor_quantile")
        needed, unused = (fixed, quantiles) if self.floor_rule == "fixed" else (quantiles, fixed)
        missing = [name for name in needed if getattr(self, name) is None]
        if missing:
            raise ValueError(f"floor_rule '{self.floor_rule}' needs {missing}")
        ignored = [name for name in unused if getattr(self, name) is not None]
        if ignored:
            raise ValueError(f"floor_rule '{self.floor_rule}' does not use {ignored}; remove them or change the rule")
        return self

    def classifier_options(self) -> dict:
        """Keyword arguments of ``RMTypeClassifier`` for these settings."""
        return {name: getattr(self, name) for name in ThresholdSettings.model_fields if name != "floor_rule"}


class AlternativeSettings(ThresholdSettings):
    """A second, named set of threshold settings, typed alongside the default for comparison."""

    name: str = Field(min_length=1, description="How the report and the outputs name these settings.")


class RMClassificationParams(ThresholdSettings):
    """The client-category source, the categories and the M5 threshold settings.

    Kedro validates ``params:rm_classification`` against this model before the run
    starts, so a typo or an impossible value fails with the field's name.
    """

    client_category_source: Literal["held", "main_product", "top_recommendation"] = Field(
        "held",
        description="'held': every category the client holds at the snapshot; 'main_product': the held category "
        "with the largest balance; 'top_recommendation': each client's first recommended category.",
    )
    snapshot_date: dt.date = Field(description="Snapshot of customer_features whose holdings are classified.")
    categories: list[str] = Field(min_length=1, description="Product categories that can be RM types.")
    alternative: AlternativeSettings | None = Field(
        None, description="Settings typed alongside the default and compared with it; null: none."
    )

    @field_validator("categories")
    @classmethod
    def _known_categories(cls, value: list[str]) -> list[str]:
        unknown = [c for c in value if c not in PRODUCT_CATEGORIES]
        if unknown:
            raise ValueError(f"categories {unknown} are not product categories; choose from {list(PRODUCT_CATEGORIES)}")
        repeated = sorted({c for c in value if value.count(c) > 1})
        if repeated:
            raise ValueError(f"categories must be listed once each; repeated: {repeated}")
        return value
