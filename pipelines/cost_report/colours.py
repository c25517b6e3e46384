"""One colour per product, cost center, model or SKU, the same in every chart of a report."""

from __future__ import annotations

from collections.abc import Iterable

from plotly.colors import qualitative

# Distinct hues first (Plotly's default cycle), then the next ten of D3's for larger sets.
PALETTE = list(qualitative.Plotly) + list(qualitative.D3)
# Usage outside every cost center, or not attributed to anything, reads as grey everywhere.
NEUTRAL = {"No cost center": "#9e9e9e", "Other": "#bdbdbd"}


def colour_map(names: Iterable[str]) -> dict[str, str]:
    """Colours for every name of one dimension, assigned in name order: the same set of names
    gets the same colours in every chart and in every report."""
    distinct = sorted({n for n in names if n not in NEUTRAL})
    colours = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(distinct)}
    return {**colours, **NEUTRAL}
