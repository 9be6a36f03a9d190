"""Typed parameters of ``reporting`` (``parameters_reporting.yml``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ReportingParams(BaseModel):
    """What the report shows and how its figures are drawn.

    Kedro validates ``params:reporting`` against this model before the run starts.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=1, description="The report's title, first line of the page.")
    currency: str = Field(min_length=1, description="Currency unit of money amounts, e.g. 'CNY'.")
    figure_width_in: float = Field(gt=1, le=30, description="Width of every figure in inches.")
    figure_dpi: int = Field(ge=50, le=300, description="Pixels per inch of every figure.")
    features_per_heatmap: int = Field(ge=1, le=40, description="Distinguishing features per segment heatmap.")
    tags_per_distribution_chart: int = Field(ge=1, le=60, description="Tags per tag-distribution chart.")
