"""Drawdown and repayment events on the credit lines of one chunk (``credit_line_events``).

The monthly simulation fixes each line's month-end outstanding balance; the events are
the flows that explain it, to the cent:

    balance(month) = balance(previous month) + drawdowns(month) - repayments(month)

A line that is already open in the first month of the history carries that month's
balance in (its month-one events are a repayment of a share of it and the drawdowns that
restore it); a line opened later starts from zero. Each month the customer repays a share
of the previous balance (``repayment_share``: near 1 for a customer who pays the whole
statement, low for one who revolves), and the drawdowns are whatever that repayment and the
change in balance require.

The planted M2 signal: the drawdowns of a window add up to about
``window * repayment_share * expected_utilization`` times the limit, and the repayment share
follows the customer's persona, wealth and spending (all visible in the raw tables), so the
cumulative drawdown over the limit is predictable from the customer's data, as the method
assumes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from customer_classification.demo_bank.customers import HiddenTraits
from customer_classification.taxonomy import CREDIT_LINE_EVENT_TYPES

# logit of the share of the previous balance repaid each month, by persona (catalogue.PERSONAS
# order): retirees and the affluent pay their statement in full; young professionals and
# small-business owners revolve more
_PERSONA_REPAYMENT_LOGIT = np.array([-0.6, 0.2, 1.2, 1.4, -0.8, -1.0])
_MIN_REPAYMENT_SHARE = 0.05
_DRAWDOWNS_PER_MONTH = 1.0  # extra drawdown events on top of the first, Poisson mean
_REPAYMENT_DAYS = (15, 28)  # repayments fall due in the second half of the month


def repayment_shares(rng: np.random.Generator, traits: HiddenTraits) -> np.ndarray:
    """Each customer's monthly repayment share of the previous balance, in [0.05, 1]."""
    wealth_ratio = np.log(traits.wealth / traits.income)
    logit = (
        _PERSONA_REPAYMENT_LOGIT[traits.persona]
        + 0.45 * (wealth_ratio - wealth_ratio.mean())
        - 0.5 * traits.spend_propensity
        + rng.normal(0, 0.35, len(traits.persona))
    )
    return _MIN_REPAYMENT_SHARE + (1 - _MIN_REPAYMENT_SHARE) / (1 + np.exp(-logit))


def _monthly_flows(
    lines: pd.DataFrame, share: np.ndarray, first_month: np.datetime64
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per line-month row (``lines`` sorted by line and month): drawdown and repayment in cents,
    and the row's balance in cents."""
    balance = np.round(lines["cumulative_drawn_amount"].to_numpy() * 100).astype(np.int64)
    line_id = lines["credit_line_id"].to_numpy()
    first_row = np.r_[True, line_id[1:] != line_id[:-1]]
    previous = np.r_[0, balance[:-1]]
    # a line open at the start of the history carries its first balance in; a later line starts at zero
    carried_in = first_row & (lines["month_end"].to_numpy() == first_month)
    previous = np.where(first_row, np.where(carried_in, balance, 0), previous)
    repayment = np.floor(previous * share).astype(np.int64)
    drawdown = balance - previous + repayment
    short = drawdown < 0  # the balance fell by more than the usual repayment: the customer repaid more
    repayment[short] = previous[short] - balance[short]
    drawdown[short] = 0
    return drawdown, repayment, balance


def _split_drawdowns(rng: np.random.Generator, drawdown: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each month's drawdown (cents) split into several events: (row of each event, cents)."""
    count = 1 + rng.poisson(_DRAWDOWNS_PER_MONTH, len(drawdown))
    count = np.where(drawdown > 0, np.minimum(count, drawdown), 0)
    rows = np.repeat(np.arange(len(drawdown)), count)
    if not len(rows):
        return rows, np.zeros(0, dtype=np.int64)
    weight = rng.gamma(1.0, 1.0, len(rows))
    starts = np.r_[0, np.cumsum(count)[:-1]]
    total_weight = np.add.reduceat(weight, starts[count > 0])
    weight_share = weight / np.repeat(total_weight, count[count > 0])
    # every event at least one cent; the last event of a month takes the rounding remainder
    cents = 1 + np.floor(weight_share * (drawdown[rows] - count[rows])).astype(np.int64)
    last = np.cumsum(count[count > 0]) - 1
    cents[last] += drawdown[count > 0] - np.add.reduceat(cents, starts[count > 0])
    return rows, cents


def draw_credit_line_events(
    rng: np.random.Generator, *, chunk_index: int, credit_lines: pd.DataFrame, share: np.ndarray, first_month
) -> pd.DataFrame:
    """The chunk's ``credit_line_events``: drawdowns and repayments explaining every month-end balance.

    ``share`` is the repayment share of each row of ``credit_lines`` (its customer's).
    """
    order = np.lexsort((credit_lines["month_end"].to_numpy(), credit_lines["credit_line_id"].to_numpy()))
    lines = credit_lines.iloc[order].reset_index(drop=True)
    drawdown, repayment, _ = _monthly_flows(lines, share[order], np.datetime64(pd.Timestamp(first_month), "s"))
    month_end = pd.to_datetime(lines["month_end"]).to_numpy().astype("datetime64[D]")
    days = (month_end - month_end.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    month_start = month_end - (days - 1)

    d_rows, d_cents = _split_drawdowns(rng, drawdown)
    d_day = np.floor(rng.random(len(d_rows)) * days[d_rows]).astype(np.int64)
    r_rows = np.flatnonzero(repayment > 0)
    r_day = rng.integers(_REPAYMENT_DAYS[0] - 1, _REPAYMENT_DAYS[1], len(r_rows))
    events = pd.DataFrame(
        {
            "row": np.r_[d_rows, r_rows],
            "event_date": np.r_[month_start[d_rows] + d_day, month_start[r_rows] + r_day],
            "event_type": np.r_[
                np.full(len(d_rows), CREDIT_LINE_EVENT_TYPES[0]), np.full(len(r_rows), CREDIT_LINE_EVENT_TYPES[1])
            ],
            "amount": np.r_[d_cents, repayment[r_rows]] / 100.0,
        }
    ).sort_values(["row", "event_date", "event_type"], kind="stable", ignore_index=True)
    row = events.pop("row").to_numpy()
    events.insert(0, "event_id", chunk_index * 1_000_000_000 + np.arange(1, len(events) + 1, dtype=np.int64))
    events.insert(1, "credit_line_id", lines["credit_line_id"].to_numpy()[row])
    events.insert(2, "customer_id", lines["customer_id"].to_numpy()[row])
    events["event_date"] = events["event_date"].astype("datetime64[s]")
    return events


def expected_cumulative_drawdown(share: np.ndarray, expected_utilization: np.ndarray, window: int) -> np.ndarray:
    """The planted truth of the M2 label: drawdowns over a window of ``window`` months, over the
    limit, of a line whose balance sits at its expected utilization."""
    return window * share * expected_utilization
