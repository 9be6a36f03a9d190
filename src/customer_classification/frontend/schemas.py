"""What the front end accepts: one model per kind of publication, validated before anything is stored.

A customer card names the customer by their pseudonym only, and a card with any other field
is refused (``extra="forbid"``), so no column of raw PII can reach the store by mistake.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

# the pseudonyms of data_engineering's privacy step: 32 hex characters of a keyed HMAC
PSEUDONYM = r"^[0-9a-f]{32}$"
GROUP_NAME = r"^[a-z][a-z0-9_]*$"
Share = Annotated[float, Field(ge=0, le=1)]


class DistinguishingFeature(BaseModel):
    feature: str
    cluster_mean: float | None
    population_mean: float | None
    standardised_difference: float | None


class DistinguishingTag(BaseModel):
    tag: str
    level: str
    in_words: str
    cluster_share: float | None
    lift: float | None


class MatchedProduct(BaseModel):
    category: str
    penetration: float | None
    lift: float | None


class Segment(BaseModel):
    cluster: int = Field(ge=0)
    name: str = Field(min_length=1)
    customers: int = Field(ge=0)
    share: Share
    distinguishing_features: list[DistinguishingFeature]
    distinguishing_tags: list[DistinguishingTag]
    recommended_products: list[MatchedProduct]
    nothing_to_offer: bool


class SegmentPayload(BaseModel):
    """One group's segments, as the clustering pipeline's ``<group>.segment_payload`` writes them."""

    group: str = Field(pattern=GROUP_NAME)
    title: str
    snapshot: dt.date
    clusters: list[Segment] = Field(min_length=1)


class Reason(BaseModel):
    feature: str
    value: str | None
    contribution: float | None


class Membership(BaseModel):
    group: str = Field(pattern=GROUP_NAME)
    cluster: int = Field(ge=0)
    name: str


class Recommendation(BaseModel):
    rank: int = Field(ge=1)
    category: str
    score: float | None
    reason: str | None


class CustomerCard(BaseModel):
    """One customer at the scoring snapshot: tier (M1), loan demand (M2), segments, recommendations."""

    model_config = ConfigDict(extra="forbid")

    customer: str = Field(pattern=PSEUDONYM, description="the customer's pseudonym, never a raw identifier")
    snapshot: dt.date
    branch_id: str | None
    rm_id: int | None
    tier: str | None = Field(max_length=20, description="None: not a long-tail customer, so not scored by M1")
    upgrade_probability: Share | None
    tier_reasons: list[Reason]
    predicted_utilization: float | None
    potential_loan_customer: bool | None
    loan_reasons: list[Reason]
    segments: list[Membership]
    recommendations: list[Recommendation]
    scenario: str | None
    scenario_rule: str | None


class RmCategoryRow(BaseModel):
    """One row of ``rm_classification``: an RM and a product category."""

    rm_id: int
    branch_id: str | None
    city: str | None
    grade: str | None
    category: str
    n_clients: int = Field(ge=0)
    count: int = Field(ge=0)
    share: Share | None
    type_by_count: bool
    type_by_share: bool
    is_type: bool


class CategoryThresholds(BaseModel):
    category: str
    t1_count_threshold: float | None
    t2_share_threshold: float | None
    t1_fallback: str | None
    t2_fallback: str | None


class RmTypesPayload(BaseModel):
    """The RM types (M5): every RM and category, and each category's thresholds T1 and T2."""

    snapshot: dt.date
    rows: list[RmCategoryRow] = Field(min_length=1)
    thresholds: list[CategoryThresholds] = Field(min_length=1)
