"""The page: the sections through the Jinja template, plotly.js inlined, written atomically."""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import jinja2
import plotly

from pipelines.cost_report.charts import plotly_js
from pipelines.cost_report.period import Period
from pipelines.cost_report.sections import Figure, Section

TEMPLATES = Path(__file__).parent / "templates"


def render_html(period: Period, figures: list[Figure], sections: list[Section], source: str) -> str:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
    )
    return environment.get_template("report.html.j2").render(
        period=period,
        figures=figures,
        sections=sections,
        source=source,
        written_at=f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        plotly_js=plotly_js(),
        plotly_version=plotly.__version__,
    )


def write_atomically(html: str, out_path: Path) -> None:
    """A browser or a mail job reading the previous report never sees half of the new one."""
    out_path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{out_path.name}.", dir=out_path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(html)
        os.chmod(temporary, 0o644)
        os.replace(temporary, out_path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
