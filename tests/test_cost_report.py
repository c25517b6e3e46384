"""The cost report as its readers get it: one HTML file that opens in a browser with no network,
whose every number is the marts' to the cent."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from pipelines.cost_report import ReportError, default_report_path, write_report
from pipelines.cost_report.formatting import money
from pipelines.cost_report.period import Period
from tests.browser import offline_page
from tests.conftest import edited_copy, query
from tests.test_cli import run_cli

CHARTS = [
    "chart-daily-product",
    "chart-monthly-product",
    "chart-monthly-cost-center",
    "chart-organizations",
    "chart-repositories",
    "chart-copilot-split",
    "chart-copilot-models",
    "chart-actions-repositories",
    "chart-actions-skus",
    "chart-forecast-cost-centers",
]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "dbt_project" / "target"


@pytest.fixture(scope="module")
def report(built_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_report(built_db, tmp_path_factory.mktemp("report") / "report.html").path


def exact(html: str, table: str) -> list[Decimal]:
    """The exact amounts of a table's money cells, in page order."""
    start = html.index(f'data-table="{table}"')
    found = re.findall(r'data-exact="([^"]+)"', html[start : html.index("</table>", start)])
    return [Decimal(v) for v in found]


def figure_exact(html: str, figure: str) -> Decimal:
    """The exact amount of a headline figure."""
    return Decimal(re.findall(rf'data-figure="{figure}">.*?data-exact="([^"]+)"', html, re.S)[0])


def test_the_report_opens_offline_draws_every_chart_and_heads_with_the_bill(
    report: Path, built_db: Path, tmp_path: Path
) -> None:
    ((net,),) = query(built_db, "select sum(net_amount) from marts.fct_usage_costs")
    with offline_page(report) as seen:
        page = seen.page
        page.wait_for_selector(".js-plotly-plot .main-svg")
        drawn = page.eval_on_selector_all(
            ".js-plotly-plot",
            "nodes => nodes.map(n => [n.id, n.querySelectorAll('.point').length])",
        )
        headline = page.inner_text("[data-figure=net] .value")
        headline_exact = page.get_attribute("[data-figure=net] .value", "data-exact")
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "report.png"))
    assert seen.requests == [report.resolve().as_uri()], "only the file itself is loaded"
    assert seen.blocked == []
    assert seen.console_errors == []
    assert sorted(chart for chart, _ in drawn) == sorted(CHARTS)
    assert all(points > 0 for _, points in drawn), drawn  # every chart drew its bars
    assert headline == money(net)
    assert Decimal(headline_exact) == net


def test_nothing_in_the_file_points_outside_it(report: Path) -> None:
    # plotly.js names a few sites in strings it never fetches from here (map attributions);
    # the markup around the scripts links only within the page
    html = re.sub(r"<script>.*?</script>", "", report.read_text(), flags=re.S)
    assert not re.search(r"<(link|img|iframe)\b", html)
    assert not re.search(r"<script[^>]+src=", html)
    assert set(re.findall(r'href="([^"]*)"', html)) <= {
        f"#{s}" for s in re.findall(r'<section id="([^"]+)"', html)
    }
    assert "default-src 'none'" in html  # the browser itself refuses any fetch
    assert report.stat().st_size < 10_000_000


def test_the_chargeback_table_holds_every_dollar_once_per_cost_center_and_month(
    report: Path, built_db: Path
) -> None:
    html = report.read_text()
    expected = dict(
        query(
            built_db,
            "select cost_center_name, sum(net_amount) from marts.fct_daily_cost_by_cost_center "
            "group by all",
        )
    )
    start = html.index('data-table="chargeback"')
    table = html[start : html.index("<tfoot>", start)]
    rows = re.findall(r"<tr><td>([^<]+)</td>(.*?)</tr>", table)
    totals = {name: Decimal(re.findall(r'data-exact="([^"]+)"', cells)[-1]) for name, cells in rows}
    assert "No cost center" in totals
    assert totals == expected
    months = dict(
        query(
            built_db,
            "select date_trunc('month', usage_date)::date, sum(net_amount) "
            "from marts.fct_daily_cost_by_cost_center group by all",
        )
    )
    footer = exact(html, "chargeback")[-len(months) - 1 :]
    assert footer == [*(months[m] for m in sorted(months)), sum(months.values())]


def test_top_lists_add_up_to_the_period_whatever_their_length(report: Path, built_db: Path) -> None:
    html = report.read_text()
    ((net,),) = query(built_db, "select sum(net_amount) from marts.fct_usage_costs")
    ((seats,),) = query(built_db, "select sum(net_amount) from marts.fct_daily_cost_by_seat_holder")
    ((idle,),) = query(built_db, "select sum(monthly_cost) from marts.idle_copilot_seats")
    assert exact(html, "organizations")[-1] == net
    assert exact(html, "repositories")[-1] == net
    assert exact(html, "seat-holders")[-1] == seats
    assert exact(html, "idle-seats")[-1] == idle


def test_months_keeps_the_last_calendar_months(built_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "two.html"
    done = run_cli("report", "--db", str(built_db), "--out", str(out), "--months", "2", env={})
    assert done.returncode == 0, done.stderr
    ((first, last),) = query(
        built_db, "select min(usage_date), max(usage_date) from marts.fct_usage_costs"
    )
    start = date(last.year, last.month - 1, 1)
    assert f"Cost report for {start} to {last}: {out}" in done.stdout
    ((net,),) = query(
        built_db, "select sum(net_amount) from marts.fct_usage_costs where usage_date >= ?", [start]
    )
    assert figure_exact(out.read_text(), "net") == net
    assert first < start


def test_a_file_without_marts_gets_a_sentence(loaded_db: Path, tmp_path: Path) -> None:
    done = run_cli("report", "--db", str(loaded_db), "--out", str(tmp_path / "r.html"), env={})
    assert done.returncode == 2
    assert "has no built marts" in done.stderr and "github-billing run" in done.stderr
    assert not (tmp_path / "r.html").exists()
    with pytest.raises(ReportError, match="There is no DuckDB file"):
        write_report(tmp_path / "missing.duckdb", tmp_path / "r.html")


def test_a_failed_reconciliation_shows_in_the_headline(built_db: Path, tmp_path: Path) -> None:
    failed = edited_copy(
        built_db,
        tmp_path / "failed.duckdb",
        "insert into github_billing_ops.dbt_test_results values ('later', now(), "
        "'fct_x_equals_raw', 'sums_match', 'fail', 3, 'Got 3 results')",
    )
    html = write_report(failed, tmp_path / "r.html").path.read_text()
    assert "0 of 1 passed" in html and "do NOT all reconcile" in html
    assert 'class="status-fail">fail<' in html
    ((passed,),) = query(built_db, "select count(*) from github_billing_ops.dbt_test_results")
    clean = write_report(built_db, tmp_path / "clean.html").path.read_text()
    assert f"{passed} of {passed} passed" in clean and "all reconcile to the cent" in clean


def test_a_day_read_again_after_its_first_load_is_listed(built_db: Path, tmp_path: Path) -> None:
    clean = write_report(built_db, tmp_path / "clean.html").path.read_text()
    assert "Days read again after their first load: 0" in clean
    restated = edited_copy(
        built_db,
        tmp_path / "restated.duckdb",
        "update marts.fct_usage_costs set last_dlt_load_id = '9999999999.5' "
        "where usage_date = date '2026-08-01'",
    )
    html = write_report(restated, tmp_path / "r.html").path.read_text()
    assert "Days read again after their first load: 1" in html
    assert re.search(r'data-table="reread-days".*?<td>2026-08-01</td>', html, re.S)


def test_skus_the_catalogue_does_not_know_are_listed_with_their_dollars(
    built_db: Path, tmp_path: Path
) -> None:
    assert "Unrecognised SKUs: 0" in write_report(built_db, tmp_path / "a.html").path.read_text()
    flagged = edited_copy(
        built_db,
        tmp_path / "flagged.duckdb",
        "update marts.dim_products set is_known_sku = false where sku = 'actions_windows'",
    )
    ((net,),) = query(
        built_db, "select sum(net_amount) from marts.fct_usage_costs where sku = 'actions_windows'"
    )
    html = write_report(flagged, tmp_path / "b.html").path.read_text()
    assert "Unrecognised SKUs: 1" in html
    assert exact(html, "unknown-skus") == [net]


@pytest.mark.parametrize(
    ("start", "end", "last_month_days", "complete"),
    [
        (date(2026, 1, 1), date(2026, 3, 31), (date(2026, 2, 1), date(2026, 2, 28)), 3),
        (date(2026, 1, 5), date(2026, 3, 15), (date(2026, 2, 1), date(2026, 2, 15)), 1),
        (date(2025, 12, 1), date(2026, 1, 10), (date(2025, 12, 1), date(2025, 12, 10)), 1),
    ],
)
def test_month_to_date_compares_with_the_same_days_of_the_month_before(
    start: date, end: date, last_month_days: tuple[date, date], complete: int
) -> None:
    period = Period(start, end)
    assert period.same_days_last_month() == last_month_days
    assert len(period.complete_months()) == complete
    assert Period.covering(start, end, 1).start == end.replace(day=1)


def test_the_report_sits_beside_its_database() -> None:
    assert default_report_path(Path("data/github_billing.duckdb")) == Path("data/report.html")
    assert default_report_path(Path("data/demo.duckdb")) == Path("data/demo-report.html")


def test_the_demo_writes_the_report_and_says_where(tmp_path: Path) -> None:
    db = tmp_path / "demo.duckdb"
    small = ["--days", "5", "--repos", "3", "--seat-holders", "5", "--cost-centers", "2"]
    done = run_cli("demo", "--db", str(db), *small, env={})
    assert done.returncode == 0, done.stderr
    assert f"Cost report: {tmp_path / 'demo-report.html'}" in done.stdout
    assert (tmp_path / "demo-report.html").stat().st_size > 0
    skipped = run_cli("demo", "--db", str(db), "--no-report", "--no-build", *small, env={})
    assert skipped.returncode == 0 and "Cost report" not in skipped.stdout
