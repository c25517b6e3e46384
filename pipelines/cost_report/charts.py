"""Plotly figures as HTML fragments. Floats are for drawing only: the hover text is the
Decimal formatted to the cent, as in the tables."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from pipelines.cost_report import formatting as fmt

# Everything the chart needs is in the page: no link to plotly.com in the mode bar.
CONFIG = {"displaylogo": False, "responsive": True}
LAYOUT = {
    "template": "plotly_white",
    "height": 360,
    "margin": {"l": 60, "r": 20, "t": 20, "b": 40},
    "legend": {"orientation": "h", "y": -0.15},
    "hovermode": "x unified",
    "yaxis": {"tickprefix": "$", "separatethousands": True},
}


@dataclass(frozen=True)
class Chart:
    chart_id: str
    html: str


def plotly_js() -> str:
    """plotly.js itself (~4.8 MB), inlined once per page."""
    return str(get_plotlyjs())


def _html(chart_id: str, figure: go.Figure) -> Chart:
    html = figure.to_html(full_html=False, include_plotlyjs=False, div_id=chart_id, config=CONFIG)
    return Chart(chart_id, html)


def stacked_bars(
    chart_id: str,
    rows: Sequence[tuple[date, str, Decimal]],
    colours: dict[str, str],
    daily: bool = False,
) -> Chart:
    """Net dollars per day or month (x), stacked by category; categories in order of total, the
    largest at the bottom."""
    series: dict[str, dict[date, Decimal]] = defaultdict(dict)
    for x, name, net in rows:
        series[name][x] = series[name].get(x, Decimal(0)) + net
    order = sorted(series, key=lambda n: (-sum(series[n].values()), n))
    figure = go.Figure()
    for name in order:
        points = sorted(series[name].items())
        figure.add_bar(
            name=name,
            x=[x for x, _ in points],
            y=[float(v) for _, v in points],
            customdata=[fmt.money(v) for _, v in points],
            hovertemplate="%{customdata}",
            marker_color=colours.get(name),
        )
    figure.update_layout(
        barmode="stack",
        bargap=0.05 if daily else 0.25,
        xaxis={"type": "date", "dtick": None if daily else "M1", "tickformat": "%b %Y"},
        **LAYOUT,
    )
    return _html(chart_id, figure)


def ranked_bars(
    chart_id: str, labels: Sequence[str], values: Sequence[Decimal], colour: str
) -> Chart:
    """A top list as horizontal bars, the largest on top."""
    figure = go.Figure(
        go.Bar(
            x=[float(v) for v in values],
            y=list(labels),
            orientation="h",
            customdata=[fmt.money(v) for v in values],
            hovertemplate="%{y}: %{customdata}<extra></extra>",
            marker_color=colour,
        )
    )
    figure.update_layout(
        {
            **LAYOUT,
            "hovermode": "closest",
            "xaxis": LAYOUT["yaxis"],
            "yaxis": {"autorange": "reversed", "automargin": True},
            "height": max(220, 26 * len(labels) + 60),
        }
    )
    return _html(chart_id, figure)
