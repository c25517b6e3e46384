"""What the page says, section by section: the queries' answers turned into headline figures,
charts and the tables behind them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from pipelines.cost_report import charts
from pipelines.cost_report import formatting as fmt
from pipelines.cost_report.colours import colour_map
from pipelines.cost_report.queries import MartsReader, Rows, TestRun
from pipelines.cost_report.tables import (
    Cell,
    Measure,
    Table,
    money,
    month_pivot,
    text,
    top_with_rest,
)

TOP = 15  # rows of a top list before "N other ..."
MOVERS = 10
IDLE_ROWS = (
    500  # idle seats listed (all are counted and summed): keeps a huge enterprise's page small
)
ENTERPRISE_LEVEL = "(enterprise level)"
NO_REPOSITORY = "(not in a repository)"


@dataclass
class Block:
    heading: str
    chart: charts.Chart | None = None
    table: Table | None = None
    note: str = ""


@dataclass
class Section:
    section_id: str
    title: str
    blocks: list[Block] = field(default_factory=list)
    intro: str = ""


@dataclass(frozen=True)
class Figure:
    """One headline number."""

    name: str  # data-figure on the page
    label: str
    value: Cell
    detail: str = ""


def _org(name: str) -> str:
    return name or ENTERPRISE_LEVEL


def _repo(org: str, repo: str) -> str:
    """GitHub names repositories `org/repo` in usage; the org is added only where it is not."""
    if not repo:
        return f"{_org(org)} {NO_REPOSITORY}"
    return repo if "/" in repo else f"{_org(org)}/{repo}"


def headline(reader: MartsReader) -> list[Figure]:
    totals = reader.totals()
    mtd_first, mtd_last = reader.period.month_to_date()
    before_first, before_last = reader.period.same_days_last_month()
    mtd, before = (
        reader.net_between(mtd_first, mtd_last),
        reader.net_between(before_first, before_last),
    )
    figures = [
        Figure("period", "Period covered", text(f"{reader.period.start} to {reader.period.end}")),
        Figure("net", "Net cost", money(totals.net), "what GitHub bills"),
        Figure("gross", "Gross cost", money(totals.gross)),
        Figure("discount", "Discounts", money(totals.discount)),
        Figure(
            "month_to_date",
            f"Month to date ({mtd_first:%b} 1-{mtd_last.day})",
            money(mtd),
            f"{fmt.change(mtd, before)} vs {fmt.money(before)} in {before_first:%b} "
            f"1-{before_last.day}",
        ),
    ]
    run = reader.last_successful_run()
    figures.append(
        Figure(
            "last_run",
            "Last successful run",
            text(fmt.day(run.ended_at) if run else "not recorded in this file"),
            (
                f"{run.rows_loaded:,} rows, {run.requests_made:,} requests"
                + (f"; {run.failed_since} failed run(s) since" if run.failed_since else "")
            )
            if run
            else "",
        )
    )
    figures.append(_tests_figure(reader.last_test_run()))
    return figures


def _tests_figure(tests: TestRun | None) -> Figure:
    if tests is None:
        return Figure("tests", "Data tests", text("not recorded in this file"))
    bad = [t for t in tests.results if t.status != "pass"]
    reconciliations = [t for t in tests.results if t.is_reconciliation]
    reconciled = all(t.status == "pass" for t in reconciliations)
    verdict = "all passed" if not bad else f"{len(bad)} not passed"
    return Figure(
        "tests",
        "Data tests of the last build",
        text(f"{len(tests.results) - len(bad)} of {len(tests.results)} passed"),
        f"{verdict}; {len(reconciliations)} reconciliations "
        + ("all reconcile to the cent" if reconciled else "do NOT all reconcile")
        + f" ({fmt.day(tests.started_at)})",
    )


def cost_over_time(reader: MartsReader, products: dict[str, str]) -> Section:
    daily = reader.daily_net_by_product()
    monthly = reader.monthly_net_by_product()
    return Section(
        "products",
        "Net cost by product",
        [
            Block(
                "Daily",
                charts.stacked_bars("chart-daily-product", daily, products, daily=True),
                daily_table(daily),
            ),
            Block(
                "Monthly",
                charts.stacked_bars("chart-monthly-product", monthly, products),
                month_pivot("monthly-product", monthly, "Product"),
            ),
        ],
    )


def daily_table(rows: Rows) -> Table:
    """The daily chart's numbers: one row per day, one column per product."""
    products = sorted({p for _, p, _ in rows})
    by_day: dict[date, dict[str, Decimal]] = defaultdict(dict)
    for day, product, net in rows:
        by_day[day][product] = net
    body = [
        [
            text(day),
            *(money(by_day[day].get(p)) for p in products),
            money(sum(by_day[day].values())),
        ]
        for day in sorted(by_day)
    ]
    return Table("daily-product", ["Day", *products, "Total"], body, collapsed=True)


def cost_centers(reader: MartsReader, colours: dict[str, str]) -> Section:
    rows = reader.monthly_net_by_cost_center()
    return Section(
        "cost-centers",
        "Chargeback by cost center",
        [
            Block(
                "Net cost per month",
                charts.stacked_bars("chart-monthly-cost-center", rows, colours),
                month_pivot("chargeback", rows, "Cost center"),
                "Every dollar once: usage GitHub attributes to no cost center is its own row.",
            )
        ],
    )


def spenders(reader: MartsReader) -> Section:
    orgs = [(_org(o), net) for o, net in reader.net_by_organization()]
    repos = [(_repo(o, r), net) for o, r, net in reader.net_by_repository()]
    return Section(
        "spenders",
        "Top organizations and repositories",
        [
            _ranked("organizations", "Organizations", "Organization", orgs, "organizations"),
            _ranked("repositories", "Repositories", "Repository", repos, "repositories"),
            _movers(reader),
        ],
    )


def _ranked(
    name: str, heading: str, label: str, rows: list[tuple[str, Decimal]], what: str
) -> Block:
    top = rows[:TOP]
    return Block(
        heading,
        charts.ranked_bars(f"chart-{name}", [n for n, _ in top], [v for _, v in top], "#636efa"),
        top_with_rest(name, rows, TOP, [label], [Measure("Net cost")], what),
    )


def _movers(reader: MartsReader) -> Block:
    months = reader.period.complete_months()[-2:]
    if len(months) < 2:
        return Block("Biggest movers", note="Movers need two complete months in the period.")
    before, after = months
    net: dict[str, dict[date, Decimal]] = defaultdict(dict)
    for org, repo, month, amount in reader.monthly_net_by_repository(months):
        net[_repo(org, repo)][month] = amount
    moves = sorted(
        ((name, m.get(before, Decimal(0)), m.get(after, Decimal(0))) for name, m in net.items()),
        key=lambda r: (-abs(r[2] - r[1]), r[0]),
    )[:MOVERS]
    body = [
        [
            text(name),
            money(was),
            money(now),
            Cell(fmt.signed_money(now - was), exact=str(now - was), numeric=True),
            Cell(fmt.change(now, was), numeric=True),
        ]
        for name, was, now in moves
    ]
    return Block(
        f"Biggest movers: {fmt.month(after)} vs {fmt.month(before)}",
        table=Table(
            "movers",
            ["Repository", fmt.month(before), fmt.month(after), "Change", "Change %"],
            body,
        ),
        note="Repositories whose net cost changed most between the last two complete months.",
    )


def copilot(reader: MartsReader, models: dict[str, str]) -> Section:
    split = reader.monthly_copilot_seat_and_usage()
    by_model = reader.monthly_net_by_model()
    holders = reader.cost_by_seat_holder()
    return Section(
        "copilot",
        "Copilot",
        [
            Block(
                "Seat cost vs usage cost per month",
                charts.stacked_bars(
                    "chart-copilot-split", split, {"Seats": "#636efa", "Usage": "#ef553b"}
                ),
                month_pivot("copilot-split", split, "Copilot"),
                "Seats: licence lines of the bill; usage: premium requests and AI credits.",
            ),
            Block(
                "Premium requests and AI credits by model",
                charts.stacked_bars("chart-copilot-models", by_model, models),
                top_with_rest(
                    "models",
                    reader.usage_by_model(),
                    TOP,
                    ["Model", "Billing unit"],
                    [
                        Measure("Units used", "number"),
                        Measure("Units billed", "number"),
                        Measure("Net cost"),
                    ],
                    "models",
                ),
            ),
            Block(
                "Top seat holders by total cost",
                table=top_with_rest(
                    "seat-holders",
                    holders,
                    TOP,
                    ["Seat holder"],
                    [Measure("Seat cost"), Measure("Usage cost"), Measure("Total")],
                    "seat holders",
                ),
            ),
            _idle_seats(reader),
        ],
    )


def _idle_seats(reader: MartsReader) -> Block:
    rows = reader.idle_seats()
    if not rows:
        return Block("Idle seats", note="No idle seats in the newest seat snapshot.")
    total = sum((r[6] for r in rows), Decimal(0))
    body = [
        [
            text(login),
            text(_org(org)),
            text(cc or ""),
            text(plan or ""),
            text(fmt.day(seen)),
            Cell(f"{days:,}", numeric=True),
            money(monthly),
        ]
        for login, org, cc, plan, seen, days, monthly, _ in rows[:IDLE_ROWS]
    ]
    more = f" (the {IDLE_ROWS:,} most expensive listed)" if len(rows) > IDLE_ROWS else ""
    return Block(
        f"Idle seats as of {rows[0][7]}: {len(rows):,} costing {fmt.money(total)} a month{more}",
        table=Table(
            "idle-seats",
            [
                "Holder",
                "Organization",
                "Cost center",
                "Plan",
                "Last activity",
                "Days idle",
                "Monthly cost",
            ],
            body,
            [text(f"Total ({len(rows):,} seats)"), *[text("")] * 5, money(total)],
        ),
    )


def actions(reader: MartsReader, skus: dict[str, str]) -> Section:
    repos = [(_repo(o, r), net) for o, r, net in reader.actions_net_by_repository()]
    sku_rows = reader.monthly_actions_by_sku()
    sku_totals: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for _, sku, unit, qty, net in sku_rows:
        sku_totals[(sku, unit)][0] += qty
        sku_totals[(sku, unit)][1] += net
    sku_table_rows = sorted(
        ((sku, unit, q, n) for (sku, unit), (q, n) in sku_totals.items()),
        key=lambda r: (-r[3], r[0]),
    )
    workflows = reader.actions_net_by_workflow()
    return Section(
        "actions",
        "Actions",
        [
            _ranked("actions-repositories", "Repositories", "Repository", repos, "repositories"),
            Block(
                "Workflows",
                table=top_with_rest(
                    "workflows",
                    workflows,
                    TOP,
                    ["Organization", "Repository", "Workflow"],
                    [Measure("Quantity", "number"), Measure("Net cost")],
                    "workflows",
                    label_cells=lambda r: [text(_org(r[0])), text(r[1]), text(r[2])],
                ),
                note="From GitHub's detailed usage report (the days it covers).",
            ),
            Block(
                "Actions SKUs (runners and storage)",
                charts.stacked_bars(
                    "chart-actions-skus", [(m, s, n) for m, s, _, _, n in sku_rows], skus
                ),
                top_with_rest(
                    "runner-skus",
                    sku_table_rows,
                    TOP,
                    ["SKU", "Unit"],
                    [Measure("Quantity", "number"), Measure("Net cost")],
                    "SKUs",
                ),
            ),
        ],
    )


def data_quality(reader: MartsReader) -> Section:
    blocks = [_test_block(reader.last_test_run())]
    unknown = reader.unknown_skus()
    blocks.append(
        Block(
            f"Unrecognised SKUs: {len(unknown)}",
            table=Table(
                "unknown-skus",
                ["Product", "SKU", "GitHub's spelling", "Net cost"],
                [[text(p), text(s), text(raw), money(net)] for p, s, raw, net in unknown],
            )
            if unknown
            else None,
            note="SKUs the SKU catalogue does not know; their dollars are in every total.",
        )
    )
    reread = reader.reread_days()
    blocks.append(
        Block(
            f"Days read again after their first load: {len(reread)}",
            table=Table(
                "reread-days",
                ["Day", "Read again at", "Net cost now"],
                [[text(d), text(fmt.day(at)), money(net)] for d, at, net in reread],
            )
            if reread
            else None,
            note="Derived from the load each day's rows came from (fct_usage_costs."
            "last_dlt_load_id): a day loaded later than a later day was read again, because "
            "GitHub restated it (the nightly drift check re-reads a day only when GitHub's total "
            "for it changed) or a --since/--until backfill re-read it. What a day held before "
            "is not kept.",
        )
    )
    return Section("data-quality", "Data quality", blocks)


def _test_block(tests: TestRun | None) -> Block:
    if tests is None:
        return Block(
            "dbt tests",
            note="No dbt test results are recorded in this file (they are recorded by every "
            "`dbt build` of this project since the report was added).",
        )
    counts: dict[str, int] = defaultdict(int)
    for t in tests.results:
        counts[t.status] += 1
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    table = Table(
        "dbt-tests",
        ["Test", "Kind", "Status", "Failing rows", "Message"],
        [
            [
                text(t.name),
                text(t.test_type),
                text(t.status),
                Cell(f"{t.failures:,}", numeric=True),
                text(t.message),
            ]
            for t in tests.results
        ],
        collapsed=not any(t.status != "pass" for t in tests.results),
    )
    return Block(
        f"dbt tests of the last build ({fmt.day(tests.started_at)}): {summary}", table=table
    )


def build(reader: MartsReader) -> tuple[list[Figure], list[Section]]:
    """The headline and every section, with one colour map per dimension for all charts."""
    from pipelines.cost_report import outlook  # its sections are built of this module's blocks

    product_colours = colour_map(p for _, p, _ in reader.monthly_net_by_product())
    cost_center_colours = colour_map(c for _, c, _ in reader.monthly_net_by_cost_center())
    model_colours = colour_map(m for _, m, _ in reader.monthly_net_by_model())
    sku_colours = colour_map(s for _, s, *_ in reader.monthly_actions_by_sku())
    return headline(reader), [
        cost_over_time(reader, product_colours),
        cost_centers(reader, cost_center_colours),
        spenders(reader),
        copilot(reader, model_colours),
        actions(reader, sku_colours),
        outlook.budgets(reader),
        outlook.forecast(reader),
        outlook.anomalies(reader),
        data_quality(reader),
    ]
