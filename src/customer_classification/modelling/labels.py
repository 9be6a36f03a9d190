"""Named labels: a model pipeline may choose its target by what it means instead of by column.

M2 has two labels of a customer's use of credit over the outcome window, both built by
``data_engineering`` into ``model_labels``:

* ``cumulative_drawdown`` (the default): every drawdown of the window added up, over the
  credit limit at the window's last month-end: the cumulative drawn amount over the limit,
  which the method defines as its target. A line that turns over more than once exceeds 1.
* ``outstanding_utilization``: the amount outstanding at the window's last month-end over
  the limit, the point-in-time utilization a bank reads off its month-end balances.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

CUMULATIVE_DRAWDOWN = "cumulative_drawdown_utilization"
OUTSTANDING_UTILIZATION = "utilization_at_window_end"
# each named label's column of ``model_labels``
LABEL_COLUMNS = {"cumulative_drawdown": CUMULATIVE_DRAWDOWN, "outstanding_utilization": OUTSTANDING_UTILIZATION}
# each named label's threshold when ``decision.threshold`` is left out. The method leaves the threshold
# preset; the rule chosen: a round level of the label that a bank can say in one sentence, set where it
# flags about the top quarter of the demo's customers with a line. Drawdowns of 1.5 times the limit in a
# six-month window are a quarter of the limit drawn a month (26% of the labelled demo customers); 70% of
# the limit outstanding at the window's end (30%).
DEFAULT_THRESHOLDS = {"cumulative_drawdown": 1.5, "outstanding_utilization": 0.7}


class NamedLabel(BaseModel):
    """``source`` names the label; its column of ``model_labels`` becomes ``model.target``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: Literal["cumulative_drawdown", "outstanding_utilization"] = Field(
        description="cumulative_drawdown: drawdowns of the window / limit; "
        "outstanding_utilization: outstanding at the window's end / limit."
    )

    @property
    def column(self) -> str:
        return LABEL_COLUMNS[self.source]

    @property
    def default_threshold(self) -> float:
        return DEFAULT_THRESHOLDS[self.source]
