"""Typed parameters of ``drift_monitoring`` (``parameters_drift_monitoring.yml``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class DriftMonitoringParams(BaseModel):
    """The PSI bands and how many deciles a numeric reference has.

    Kedro validates ``params:drift_monitoring`` against this model before the run starts.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    watch_from: float = Field(0.1, gt=0, description="PSI from which a distribution is 'watch' (below: 'stable').")
    act_above: float = Field(0.25, gt=0, description="PSI above which a distribution is 'act'.")
    numeric_bins: int = Field(10, ge=2, le=50, description="Quantile bins of a numeric reference (10: deciles).")

    @model_validator(mode="after")
    def _ordered(self) -> DriftMonitoringParams:
        if self.act_above < self.watch_from:
            raise ValueError(f"act_above ({self.act_above}) must not be below watch_from ({self.watch_from})")
        return self
