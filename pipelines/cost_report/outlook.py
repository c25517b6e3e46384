"""The report's forward-looking sections: budgets this month, the month-end forecast (with how
good it was on past months) and recent cost anomalies, from fct_budget_status,
fct_cost_forecasts, fct_cost_anomalies and fct_alerts. A file built before these marts existed
gets a sentence in their place."""

from __future__ import annotations

from pipelines.cost_report import charts
from pipelines.cost_report import formatting as fmt
from pipelines.cost_report.queries import MARTS, MartsReader, Rows
from pipelines.cost_report.sections import Block, Section
from pipelines.cost_report.tables import Cell, Table, money, text

ANOMALY_ROWS = 50


def _rows(reader: MartsReader, table: str, sql: str) -> Rows | None:
    """`sql` (with `{marts}`), or None when the mart is not in the file."""
    if table not in reader._tables(MARTS):
        return None
    return reader.con.execute(sql.format(marts=reader.marts)).fetchall()


def _missing(section_id: str, title: str, mart: str) -> Section:
    return Section(
        section_id,
        title,
        [Block(title, note=f"This file has no {mart}: run `github-billing run` to build it.")],
    )


def _percent(value: object) -> Cell:
    return Cell("" if value is None else f"{float(value):.1f} %", numeric=True)  # type: ignore[arg-type]


def budgets(reader: MartsReader) -> Section:
    rows = _rows(
        reader,
        "fct_budget_status",
        "select budget_scope, budget_entity_name, budget_product_sku, budget_amount, "
        "consumed_amount, consumed_percent, projected_month_end_amount, crossed_75_percent_on, "
        "crossed_90_percent_on, crossed_100_percent_on, is_usage_stopped_at_limit "
        "from {marts}.fct_budget_status "
        "where month_start_date = (select max(month_start_date) from {marts}.fct_budget_status) "
        "order by consumed_percent desc nulls last, budget_scope, budget_entity_name",
    )
    if rows is None:
        return _missing("budgets", "Budgets", "fct_budget_status")
    body = [
        [
            text(scope),
            text(entity or "(enterprise)"),
            text(product),
            money(amount),
            money(consumed),
            _percent(pct),
            money(projected),
            text(fmt.day(c75) if c75 else ""),
            text(fmt.day(c90) if c90 else ""),
            text(fmt.day(c100) if c100 else ""),
            text("stops usage" if stops else "alerts only"),
        ]
        for scope, entity, product, amount, consumed, pct, projected, c75, c90, c100, stops in rows
    ]
    table = Table(
        "budgets",
        [
            "Scope",
            "For",
            "Product or SKU",
            "Budget",
            "Spent",
            "Spent %",
            "Month end (projected)",
            "75 % on",
            "90 % on",
            "100 % on",
            "At the limit",
        ],
        body,
    )
    return Section(
        "budgets",
        "Budgets this month",
        [
            Block(
                f"GitHub budgets: {len(rows)}",
                table=table if rows else None,
                note="Spend computed from the loaded usage by GitHub's rule (net dollars of the "
                "scope and product or SKU); multi-user budgets count per-user amount x users. "
                "Per-user Copilot budgets and AI-credit pools: fct_copilot_user_budgets, "
                "fct_ai_credit_pools.",
            )
        ],
    )


def forecast(reader: MartsReader) -> Section:
    current = _rows(
        reader,
        "fct_cost_forecasts",
        "select dimension_type, dimension_label, month_to_date_net_amount, "
        "forecast_net_amount, forecast_low_amount, forecast_high_amount, as_of_date "
        "from {marts}.fct_cost_forecasts where is_current "
        "order by dimension_type <> 'total', dimension_type, forecast_net_amount desc",
    )
    if current is None:
        return _missing("forecast", "Month-end forecast", "fct_cost_forecasts")
    backtest = _rows(
        reader,
        "fct_cost_forecasts",
        "select month_start_date, as_of_date, forecast_net_amount, actual_net_amount, "
        "forecast_error_percent from {marts}.fct_cost_forecasts "
        "where dimension_type = 'total' and not is_current order by month_start_date",
    )
    as_of = current[0][6] if current else None
    centers = [r for r in current if r[0] == "cost_center"]
    blocks = [
        Block(
            f"Forecast of this month as of {fmt.day(as_of) if as_of else '-'}",
            charts.ranked_bars(
                "chart-forecast-cost-centers",
                [r[1] for r in centers],
                [r[3] for r in centers],
                "#00cc96",
            )
            if centers
            else None,
            Table(
                "forecast",
                ["Dimension", "Name", "Month to date", "Forecast", "Low", "High"],
                [
                    [text(kind), text(label), money(mtd), money(f), money(lo), money(hi)]
                    for kind, label, mtd, f, lo, hi, _ in current
                ],
            ),
            "Month to date plus the remaining days, each like the same weekday of the last "
            "four weeks; seat licences as today's seats to the month's end. The band takes "
            "the lowest and highest same weekday.",
        ),
        Block(
            "How good the forecast was (as of the 15th of past months)",
            table=Table(
                "forecast-backtest",
                ["Month", "As of", "Forecast", "Actual", "Error"],
                [
                    [text(fmt.month(m)), text(fmt.day(d)), money(f), money(a), _percent(e)]
                    for m, d, f, a, e in backtest or []
                ],
            ),
        ),
    ]
    return Section("forecast", "Month-end forecast", blocks)


def anomalies(reader: MartsReader) -> Section:
    rows = _rows(
        reader,
        "fct_cost_anomalies",
        "select usage_date, anomaly_kind, series_type, series_label, gross_amount, "
        "expected_gross_amount, anomaly_score, is_provisional "
        "from {marts}.fct_cost_anomalies order by usage_date desc, impact_amount desc nulls last "
        f"limit {ANOMALY_ROWS}",
    )
    if rows is None:
        return _missing("anomalies", "Cost anomalies", "fct_cost_anomalies")
    opened = _rows(reader, "fct_alerts", "select count(*) from {marts}.fct_alerts where is_open")
    table = Table(
        "anomalies",
        ["Day", "Kind", "Series", "Name", "Gross", "Expected", "Score", ""],
        [
            [
                text(fmt.day(day)),
                text(kind.replace("_", " ")),
                text(series.replace("_", " ")),
                text(label),
                money(gross),
                money(expected),
                Cell("" if score is None else f"{float(score):.1f}", numeric=True),
                text("provisional" if provisional else ""),
            ]
            for day, kind, series, label, gross, expected, score, provisional in rows
        ],
    )
    return Section(
        "anomalies",
        "Cost anomalies",
        [
            Block(
                f"Latest anomalies and new costs: {len(rows)} "
                f"({opened[0][0] if opened else 0} open alerts in all)",
                table=table if rows else None,
                note="A day scoring 3 or more against both the same weekday of the previous "
                "eight weeks and the last 28 days, and well above the series' usual dollars; "
                "a new cost is a SKU, model or repository billing after 90 days without. "
                "`github-billing alerts` says each in a sentence.",
            )
        ],
    )
