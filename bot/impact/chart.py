"""The impact chart as PNG bytes: monthly closure rate and churn by group; touchpoints by churned ARR.

Drawn with matplotlib's Agg canvas on a Figure of its own (no pyplot, so no global state shared between the
delivery worker's threads) with the fonts matplotlib ships: nothing is fetched.
"""

from __future__ import annotations

import io
import math

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from bot.accounts.statistics import Rate
from bot.impact.figures import Report

COLOURS = {"closure": "#1f4e79", "closed": "#2e8b57", "never": "#c0392b", "bars": "#c0392b"}


def draw(report: Report) -> bytes:
    """The report's chart as a PNG."""
    figure = Figure(figsize=(11, 4.4), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    monthly, ranked = figure.subplots(1, 2, width_ratios=[3, 2])
    positions = list(range(len(report.months)))
    for key, label, rates, marker in (
        ("closure", "loops closed", [m.closure for m in report.months], "o"),
        ("closed", "churn: closed loops", [m.churn_closed for m in report.months], "s"),
        ("never", "churn: never closed", [m.churn_never for m in report.months], "^"),
    ):
        monthly.plot(positions, [_percent(r) for r in rates], marker=marker, color=COLOURS[key], label=label)
    monthly.set_xticks(positions, [f"{m.start:%b %Y}\n{_loops(m.closure.n)}" for m in report.months])
    monthly.set_xlim(-0.5, len(positions) - 0.5)
    monthly.set_ylim(0, 100)
    monthly.yaxis.set_major_formatter(PercentFormatter())
    monthly.set_title("By the month the feedback came in")
    monthly.legend(loc="best", fontsize="small")
    monthly.grid(axis="y", alpha=0.3)
    top = list(reversed(report.touchpoints))
    if top:
        ranked.barh([_text(r.name) for r in top], [float(r.lost.ranking) for r in top], color=COLOURS["bars"])
        for index, r in enumerate(top):
            ranked.annotate(
                _text(str(r.lost)),
                (float(r.lost.ranking), index),
                xytext=(3, 0),
                textcoords="offset points",
                va="center",
                fontsize="small",
            )
        ranked.margins(x=0.3)
        ranked.set_xticks([])
    else:
        ranked.set_axis_off()
        ranked.text(0.5, 0.5, "No churned ARR in this period", ha="center", va="center")
    ranked.set_title("Touchpoints by churned ARR")
    figure.suptitle(_text(f"Impact — {report.scope}, {report.window.label}"), fontweight="bold")
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


def _loops(count: int) -> str:
    return f"{count} loop{'' if count == 1 else 's'}"


def _percent(rate: Rate) -> float:
    """A share in percent; NaN (a gap in the line) for a month with no loops."""
    return rate.share * 100 if rate.share is not None else math.nan


def _text(value: str) -> str:
    """Names are people's text: a ``$`` must not start matplotlib's math mode."""
    return value.replace("$", r"\$")
