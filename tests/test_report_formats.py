"""Every usage-report CSV format GitHub has produced loads: real exports and GitHub-authored
samples kept in tests/fixtures/real (where each came from: its README.md), with BOMs, CRLF,
quoted cells, float noise and every header variant as GitHub wrote them. Per-day totals are exact
Decimals (each cell rounded half-even to the raw scale of 12), and every row is labelled premium
requests or AI credits by its own SKU."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from pipelines.report_import import import_reports
from pipelines.runner import RunFailed, invoke_dbt
from tests.test_source import RAW, query

REAL = Path(__file__).parent / "fixtures" / "real"

# (day, report_type) -> (quantity, gross, net), summed from the files by hand
TOTALS = {
    "real_ai_usage_report_2026-05-27_to_06_native_bom_crlf.csv": {
        ("2026-05-27", "premium_request"): ("80.1", "3.204", "0"),
        ("2026-05-28", "premium_request"): ("27.3", "1.092", "0"),
        ("2026-05-29", "premium_request"): ("31.8", "1.272", "0"),
        ("2026-06-01", "ai_credit"): ("1467.198977", "14.67198977", "0"),
        ("2026-06-02", "ai_credit"): ("142.2578655", "1.422578655", "0"),
        ("2026-06-03", "ai_credit"): ("94.458555", "0.94458555", "0"),
        ("2026-06-04", "ai_credit"): ("10.042795", "0.10042795", "0"),
        ("2026-06-25", "ai_credit"): ("68.94009", "0.6894009", "0"),
        ("2026-06-26", "ai_credit"): ("1.667925", "0.01667925", "0"),
    },
    "octodemo_premium_request_usage_report_2026-03_ai_units_bom_crlf.csv": {
        ("2026-03-01", "premium_request"): ("778", "31.12", "0"),
        ("2026-03-09", "premium_request"): ("3", "0.12", "0.12"),
        ("2026-03-11", "ai_credit"): ("468.85177", "4.6885177", "4.0007932"),
        ("2026-03-12", "ai_credit"): ("320.02826", "3.2002826", "0"),
        ("2026-03-13", "ai_credit"): ("9.22812", "0.0922812", "0.0922812"),
        ("2026-03-16", "premium_request"): ("3", "0.12", "0"),
        ("2026-03-17", "ai_credit"): ("676.11005", "6.7611005", "6.7611005"),
        ("2026-03-18", "ai_credit"): ("108.037625", "1.08037625", "0"),
        ("2026-03-24", "premium_request"): ("0", "0", "0"),
    },
    "octodemo_copilot_token_usage_report_2026-02_bom_crlf.csv": {
        ("2026-02-01", "premium_request"): ("164", "6.56", "0"),
        ("2026-02-02", "premium_request"): ("247", "9.88", "0"),
        ("2026-02-03", "premium_request"): ("209", "8.36", "0"),
        ("2026-02-04", "premium_request"): ("4", "0.16", "0"),
        ("2026-02-05", "premium_request"): ("4.22", "0.1688", "0"),
        ("2026-02-10", "premium_request"): ("45", "1.8", "0"),
        ("2026-02-25", "premium_request"): ("1", "0.04", "0"),
        ("2026-02-26", "premium_request"): ("2", "0.08", "0"),
    },
    "cbp_demo_pru_transition_preview_quoted_crlf.csv": {
        ("2025-10-01", "premium_request"): ("571.63", "22.8652", "0"),
        ("2025-10-04", "premium_request"): ("43.5", "1.74", "1.56"),
        ("2025-10-05", "premium_request"): ("84", "3.36", "3.36"),
        ("2025-10-06", "premium_request"): ("3", "0.12", "0"),
        ("2025-10-10", "premium_request"): ("4", "0.16", "0.16"),
        ("2025-10-15", "premium_request"): ("2", "0.08", "0"),
        ("2025-10-16", "premium_request"): ("8.2", "0.328", "0"),
        ("2025-10-27", "premium_request"): ("2", "0.08", "0"),
        ("2025-10-30", "premium_request"): ("1", "0.04", "0"),
        ("2025-10-31", "premium_request"): ("113", "4.52", "4.52"),
    },
    "cbp_demo_pru_pre_aic_15col_quoted.csv": {
        ("2025-10-01", "premium_request"): ("891.63", "35.6652", "0"),
    },
    "cbp_demo_native_ai_credits_tokens_quoted.csv": {
        ("2025-10-01", "ai_credit"): ("5931.926", "59.31926", "0"),
        ("2025-10-02", "ai_credit"): ("10.589", "0.10589", "0"),
    },
    "cbp_report_guide_sample_rows_transition.csv": {
        ("2026-03-01", "premium_request"): ("0.9", "0.036", "0"),
        ("2026-03-11", "premium_request"): ("24.9364", "0", "0"),
        ("2026-04-15", "premium_request"): ("0", "0", "0"),
    },
    # the legacy per-request report: 4 requests within an `Unlimited` quota, priced $0.04
    # each and included in full
    "legacy_premium_interactions_austenstone.csv": {
        ("2025-06-02", "legacy_premium_request"): ("4", "0.16", "0"),
    },
    # its daily form (October 2025): no SKU, unit or money either
    "cbp_demo_daily_6col_2025-10_format.csv": {
        (day, "legacy_premium_request"): (quantity, str(Decimal(quantity) * Decimal("0.04")), "0")
        for day, quantity in [
            ("2025-06-01", "5"),
            ("2025-06-15", "10.5"),
            ("2025-06-20", "2"),
            ("2025-07-01", "15.25"),
            ("2025-07-10", "8"),
            ("2025-07-15", "12.75"),
            ("2025-07-20", "3.5"),
            ("2025-08-01", "20"),
            ("2025-08-05", "5"),
            ("2025-08-10", "7.25"),
        ]
    },
    "octodemo_usage_report_detailed_rows_from_doc.csv": {
        ("2026-02-01", "detailed"): ("49165", "4.702515072", "0"),
    },
    # the older detailed header: formatted_date, repository_name, workflow_name
    "octodemo_usage_report_2025-05_formatted_date_15col.csv": {
        ("2025-05-01", "detailed"): ("3", "0.024", "0"),
    },
}


DETAILED = {
    "octodemo_usage_report_detailed_rows_from_doc.csv",
    "octodemo_usage_report_2025-05_formatted_date_15col.csv",
}


def table_of(name: str) -> str:
    return "detailed_usage" if name in DETAILED else "copilot_user_usage"


def imported(tmp_path: Path, *files: Path | str) -> Path:
    db = tmp_path / "real.duckdb"
    import_reports(db, [REAL / f if isinstance(f, str) else f for f in files], "acme")
    return db


def per_day(db: Path, table: str) -> dict[tuple[str, str], tuple[Decimal, ...]]:
    found = query(
        db,
        f"select usage_date, report_type, sum(quantity), sum(gross_amount), sum(net_amount) "
        f"from {RAW}.{table} group by 1, 2",
    )
    return {(d.isoformat(), t): (q, g, n) for d, t, q, g, n in found}


@pytest.mark.parametrize("name", sorted(TOTALS))
def test_every_real_report_loads_with_exact_per_day_totals(tmp_path: Path, name: str) -> None:
    db = imported(tmp_path, name)
    expected = {key: tuple(Decimal(v) for v in values) for key, values in TOTALS[name].items()}
    assert per_day(db, table_of(name)) == expected


def test_ai_credit_rows_are_ai_credits_row_by_row_whatever_the_file_format(tmp_path: Path) -> None:
    db = imported(
        tmp_path,
        "real_ai_usage_report_2026-05-27_to_06_native_bom_crlf.csv",
        "octodemo_premium_request_usage_report_2026-03_ai_units_bom_crlf.csv",
    )
    labels = set(
        query(
            db,
            f"select report_type, sku_raw, sku, unit_type_raw, unit_type "
            f"from {RAW}.copilot_user_usage",
        )
    )
    assert labels == {
        (
            "premium_request",
            "copilot_premium_request",
            "copilot_premium_request",
            "requests",
            "requests",
        ),
        (
            "premium_request",
            "coding_agent_premium_request",
            "coding_agent_premium_request",
            "requests",
            "requests",
        ),
        (
            "premium_request",
            "spark_premium_request",
            "spark_premium_request",
            "requests",
            "requests",
        ),
        ("ai_credit", "copilot_ai_credit", "copilot_ai_credits", "ai-credits", "ai_credits"),
        (
            "ai_credit",
            "coding_agent_ai_credit",
            "coding_agent_ai_credits",
            "ai-credits",
            "ai_credits",
        ),
        # octodemo's interim AI units (March 2026), inside a premium-request-format file
        ("ai_credit", "copilot_ai_unit", "copilot_ai_unit", "ai-units", "ai_credits"),
        ("ai_credit", "coding_agent_ai_unit", "coding_agent_ai_unit", "ai-units", "ai_credits"),
        ("ai_credit", "spark_ai_unit", "spark_ai_unit", "ai-units", "ai_credits"),
    }


def test_a_word_for_a_quota_is_a_quota_of_its_own(tmp_path: Path) -> None:
    db = imported(tmp_path, "legacy_premium_interactions_austenstone.csv")
    rows = query(
        db,
        f"select username, model, exceeds_quota, total_monthly_quota, total_monthly_quota_raw, "
        f"discount_amount from {RAW}.copilot_user_usage",
    )
    assert rows == [("bspann", "claude-sonnet-4", False, None, "Unlimited", Decimal("0.16"))]
    db = imported(tmp_path / "numeric", "octodemo_copilot_token_usage_report_2026-02_bom_crlf.csv")
    quotas = query(
        db,
        f"select distinct total_monthly_quota, total_monthly_quota_raw "
        f"from {RAW}.copilot_user_usage",
    )
    assert set(quotas) == {(Decimal(1000), "1000"), (Decimal(300), "300")}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # the February 2026 preview spells them total_input_tokens, ...
        (
            "octodemo_copilot_token_usage_report_2026-02_bom_crlf.csv",
            (1000346, 116145, 11353187, 9216971, None, None),
        ),
        # the AI usage report: input, output, cache_read, cache_write
        (
            "cbp_demo_native_ai_credits_tokens_quoted.csv",
            (6700127, 901386, 55481621, 3491910, Decimal(0), Decimal(0)),
        ),
        # the transition preview: AI-credit equivalents of premium requests
        (
            "cbp_demo_pru_transition_preview_quoted_crlf.csv",
            (None, None, None, None, Decimal("3106.411"), Decimal("31.06411")),
        ),
    ],
)
def test_token_and_ai_credit_equivalent_columns_are_kept(
    tmp_path: Path, name: str, expected: tuple
) -> None:
    db = imported(tmp_path, name)
    found = query(
        db,
        f"select sum(input_tokens), sum(output_tokens), sum(cache_read_tokens), "
        f"sum(cache_write_tokens), sum(aic_quantity), sum(aic_gross_amount) "
        f"from {RAW}.copilot_user_usage",
    )[0]
    assert (
        tuple(int(v) if isinstance(v, Decimal) and i < 4 else v for i, v in enumerate(found))
        == expected
    )


def test_old_detailed_column_names_and_exponent_prices(tmp_path: Path) -> None:
    db = imported(
        tmp_path,
        "octodemo_usage_report_2025-05_formatted_date_15col.csv",
        "octodemo_usage_report_detailed_rows_from_doc.csv",
    )
    rows = set(
        query(
            db,
            f"select usage_date::varchar, repository_name, workflow_name, workflow_path, "
            f"cost_center_name, price_per_unit from {RAW}.detailed_usage",
        )
    )
    assert (
        "2025-05-01",
        "bookstore-vigilant-acorn",
        "Dependency Review",
        ".github/workflows/dependency-review.yml",
        "test_cc_docusign",
        Decimal("0.008"),
    ) in rows
    assert ("2026-02-01", "", None, "", "", Decimal("0.000094086")) in rows  # 9.4086E-05


@pytest.mark.parametrize("style", ["%m/%d/%y", "%m/%d/%Y"])
def test_slash_dates_load_as_the_same_days(tmp_path: Path, style: str) -> None:
    """AI-credit reports written with `5/29/26` or `5/29/2026` dates (GitHub's report viewer
    reads them month first)."""
    import csv
    from datetime import date

    name = "real_ai_usage_report_2026-05-27_to_06_native_bom_crlf.csv"
    with (REAL / name).open(encoding="utf-8-sig", newline="") as handle:
        lines = list(csv.reader(handle))
    for line in lines[1:]:
        day = date.fromisoformat(line[0])
        line[0] = day.strftime(style).replace("/0", "/").lstrip("0")
    slashed = tmp_path / "slashed.csv"
    with slashed.open("w", newline="", encoding="utf-8-sig") as handle:
        csv.writer(handle, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows(lines)
    assert "5/29/26" in slashed.read_text() or "5/29/2026" in slashed.read_text()
    db = imported(tmp_path, slashed)
    expected = {key: tuple(Decimal(v) for v in values) for key, values in TOTALS[name].items()}
    assert per_day(db, "copilot_user_usage") == expected


@pytest.mark.parametrize(
    ("edit", "sentence"),
    [
        (("quantity", "abc"), "column quantity: 'abc' is not a number"),
        (
            ("date", "2026-13-01"),
            "column date: '2026-13-01' is not a date like 2026-05-29 or 5/29/26",
        ),
        (("exceeds_quota", "maybe"), "column exceeds_quota: 'maybe' is not TRUE or FALSE"),
        (("aic_quantity", "1e"), "column aic_quantity: '1e' is not a number"),
    ],
)
def test_a_bad_cell_refuses_the_file_naming_line_column_and_value(
    tmp_path: Path, edit: tuple[str, str], sentence: str
) -> None:
    import csv

    source = REAL / "cbp_demo_pru_transition_preview_quoted_crlf.csv"
    with source.open(newline="") as handle:
        lines = list(csv.reader(handle))
    lines[13][lines[0].index(edit[0])] = edit[1]
    bad = tmp_path / "usage.csv"
    with bad.open("w", newline="") as handle:
        csv.writer(handle, quoting=csv.QUOTE_ALL).writerows(lines)
    db = tmp_path / "bad.duckdb"
    with pytest.raises(RunFailed) as refused:
        import_reports(db, [REAL / "cbp_demo_pru_pre_aic_15col_quoted.csv", bad], "acme")
    assert str(refused.value) == f"{bad}, line 14, {sentence}; nothing was imported."
    assert not db.exists()


def test_the_2023_billing_report_is_refused_with_what_to_download_instead(tmp_path: Path) -> None:
    with pytest.raises(RunFailed) as refused:
        imported(tmp_path, "legacy_old_billing_actions_andymckay.csv")
    sentence = str(refused.value)
    assert "line 1: this is GitHub's pre-2024 Actions & Packages usage report" in sentence
    assert "without the free minutes and storage GitHub deducted" in sentence
    assert (
        "download the usage report from the enterprise's Billing and licensing > Usage page"
        in sentence
    )
    assert sentence.endswith("; nothing was imported.")


def test_april_2026_backfill_rows_are_kept_as_exported_and_flagged_by_the_viewers_rule(
    tmp_path: Path,
) -> None:
    db = imported(tmp_path, "cbp_april_backfill_test_rows_transition.csv")
    rows = query(
        db,
        f"select usage_date::varchar, model, sku, total_monthly_quota, quantity, net_amount, "
        f"aic_quantity, is_transition_backfill from {RAW}.copilot_user_usage order by all",
    )
    D = Decimal
    assert rows == [
        # no quantity but a quota: the viewer drops the row
        ("2026-04-24", "GPT-5.3", "copilot_premium_request", D(300), D(0), D(0), D("3.5"), True),
        # the dropped row and a quota-0 premium-request row (the viewer zeroes its money) share
        # the grain: one row, money exactly as exported
        ("2026-04-25", "GPT-5", "copilot_premium_request", D(300), D(10), D("0.4"), D(100), True),
        (
            "2026-04-30",
            "Claude Sonnet 4.5",
            "copilot_ai_credits",
            D(0),
            D(120),
            D("1.2"),
            D(120),
            False,
        ),
        (
            "2026-04-30",
            "Claude Sonnet 4.5",
            "copilot_premium_request",
            D(0),
            D(12),
            D("0.48"),
            D(120),
            True,
        ),
        (
            "2026-04-30",
            "Claude Sonnet 4.5",
            "copilot_premium_request",
            D(300),
            D(12),
            D("0.48"),
            D(120),
            False,
        ),
        (
            "2026-05-01",
            "Claude Sonnet 4.5",
            "copilot_premium_request",
            D(0),
            D(12),
            D("0.48"),
            D(120),
            False,
        ),
    ]


def test_marts_label_ai_credits_and_leave_out_the_backfill_rows(tmp_path: Path) -> None:
    db = imported(
        tmp_path,
        "cbp_april_backfill_test_rows_transition.csv",
        "real_ai_usage_report_2026-05-27_to_06_native_bom_crlf.csv",
        "octodemo_premium_request_usage_report_2026-03_ai_units_bom_crlf.csv",
    )
    result = invoke_dbt(
        db,
        "build",
        "--select",
        "+fct_copilot_user_usage",
        "--exclude-resource-type",
        "test",
        "unit_test",
    )
    assert result.success, result.exception
    units = dict(
        query(
            db, "select sku, any_value(billing_unit) from marts.fct_copilot_user_usage group by 1"
        )
    )
    assert units == {
        "copilot_premium_request": "premium_requests",
        "coding_agent_premium_request": "premium_requests",
        "spark_premium_request": "premium_requests",
        "copilot_ai_credits": "ai_credits",
        "coding_agent_ai_credits": "ai_credits",
        "copilot_ai_unit": "ai_credits",
        "coding_agent_ai_unit": "ai_credits",
        "spark_ai_unit": "ai_credits",
    }
    backfill = query(
        db,
        "select usage_date::varchar, billing_unit, sum(quantity), sum(net_amount) "
        "from marts.fct_copilot_user_usage where usage_date between '2026-04-24' and '2026-05-01' "
        "group by all order by all",
    )
    assert backfill == [
        ("2026-04-30", "ai_credits", Decimal(120), Decimal("1.2")),
        ("2026-04-30", "premium_requests", Decimal(12), Decimal("0.48")),
        ("2026-05-01", "premium_requests", Decimal(12), Decimal("0.48")),
    ]


@pytest.mark.parametrize(
    ("day", "quantity", "quota", "flagged"),
    [
        ("2026-04-24", "0", "300", True),  # no quantity but a quota: the viewer drops it
        ("2026-04-27", "10", "0", True),  # a quota-0 premium-request row: no real charge
        ("2026-04-27", "10", "", True),  # a blank quota is 0 to the viewer
        ("2026-04-27", "10", "Unlimited", False),  # a word is a quota
        ("2026-04-27", "0", "Unlimited", True),
        ("2026-04-27", "10", "300", False),
        ("2026-04-23", "10", "0", False),  # outside the window
        ("2026-05-01", "0", "300", False),
    ],
)
def test_the_backfill_window_rule(day: str, quantity: str, quota: str, flagged: bool) -> None:
    from pipelines.github_billing.report_csv import Line, shape_record

    header = ["date", "username", "product", "sku", "model", "quantity", "unit_type"]
    header += ["applied_cost_per_quantity", "gross_amount", "discount_amount", "net_amount"]
    header += ["exceeds_quota", "total_monthly_quota"]
    values = [day, "mona", "copilot", "copilot_premium_request", "GPT-5", quantity, "requests"]
    values += ["0.04", "0.4", "0", "0.4", "False", quota]
    line = Line(dict(zip(header, values, strict=True)), {})
    assert shape_record("premium_request", line)["is_transition_backfill"] is flagged
