"""Typed parameters of ``rm_classification`` (``parameters_rm_classification.yml``)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from customer_classification.taxonomy import PRODUCT_CATEGORIES

# Where a client's product categories come from. Only "held" has a source today.
CLIENT_CATEGORY_SOURCES = ("held", "top_recommendation")


class RMClassificationParams(BaseModel):
    """The client-category source, the categories and the M5 threshold settings.

    Kedro validates ``params:rm_classification`` against this model before the run
    starts, so a typo or an impossible value fails with the field's name.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    client_category_source: Literal["held", "top_recommendation"] = Field(
        "held",
        description="'held': every category the client holds at the snapshot; 'top_recommendation': each client's first recommended category (product_recommendation).",
    )
    snapshot_date: dt.date = Field(description="Snapshot of customer_features whose holdings are classified.")
    categories: list[str] = Field(min_length=1, description="Product categories that can be RM types.")
    count_floor_t3: float = Field(ge=0, description="T3: an RM enters the count ranking only with count > T3.")
    share_floor_t4: float = Field(ge=0, lt=1, description="T4: an RM enters the share ranking only with share > T4.")
    cumulative_target: float = Field(gt=0, le=1, description="Cumulative percentage the target sets sit around.")
    cumulative_band: float = Field(ge=0, lt=1, description="Half-width of the band around the target.")

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
