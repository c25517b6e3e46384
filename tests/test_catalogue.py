"""The SKU catalogue: every spelling GitHub uses reaches one canonical SKU, product and unit, and
what it does not know is kept, not guessed."""

from __future__ import annotations

import csv

import pytest

from pipelines.github_billing import catalogue


@pytest.mark.parametrize(
    ("product", "sku", "unit", "expected"),
    [
        # GitHub's own /usage example and the docs' SKU id: the same licence
        (
            "Copilot",
            "Copilot for Business",
            "UserMonths",
            ("copilot", "copilot_for_business", "user_months"),
        ),
        (
            "copilot",
            "Copilot Business",
            "user-months",
            ("copilot", "copilot_for_business", "user_months"),
        ),
        (
            "Copilot",
            "copilot_for_business",
            "months",
            ("copilot", "copilot_for_business", "user_months"),
        ),
        (
            "actions",
            "Actions storage",
            "GigabyteHours",
            ("actions", "actions_storage", "gigabyte_hours"),
        ),
        (
            "actions",
            "actions_storage",
            "gigabyte-hours",
            ("actions", "actions_storage", "gigabyte_hours"),
        ),
        # real AI usage reports (June 2026)
        (
            "copilot",
            "copilot_ai_credit",
            "ai-credits",
            ("copilot", "copilot_ai_credits", "ai_credits"),
        ),
        (
            "copilot",
            "coding_agent_ai_credit",
            "ai-credits",
            ("copilot", "coding_agent_ai_credits", "ai_credits"),
        ),
        ("spark", "spark_ai_credit", "ai-credits", ("spark", "spark_ai_credits", "ai_credits")),
        # the AI-credit endpoint's example, and octodemo's March 2026 'AI units'
        (
            "Copilot",
            "Copilot AI Credits",
            "credits",
            ("copilot", "copilot_ai_credits", "ai_credits"),
        ),
        ("copilot", "copilot_ai_unit", "ai-units", ("copilot", "copilot_ai_unit", "ai_credits")),
        (
            "Git LFS",
            "Git LFS storage",
            "GigabyteHours",
            ("git_lfs", "git_lfs_storage", "gigabyte_hours"),
        ),
        (
            "packages",
            "Packages data transfer",
            "gigabytes",
            ("packages", "packages_bandwidth", "gigabytes"),
        ),
    ],
)
def test_every_spelling_reaches_one_canonical_product_sku_and_unit(
    product: str, sku: str, unit: str, expected: tuple[str, str, str]
) -> None:
    columns = catalogue.product_columns(product, sku, unit)
    assert (columns["product"], columns["sku"], columns["unit_type"]) == expected
    assert (columns["product_raw"], columns["sku_raw"], columns["unit_type_raw"]) == (
        product,
        sku,
        unit,
    )


def test_a_sku_the_catalogue_does_not_know_is_kept_as_github_spelled_it() -> None:
    columns = catalogue.product_columns("Brand New", "Brand New Thing", "Widget-Hours")
    assert (columns["product"], columns["sku"], columns["unit_type"]) == (
        "brand_new",
        "brand_new_thing",
        "widget_hours",
    )
    assert not catalogue.is_known("Brand New Thing")
    assert catalogue.billing_unit("Brand New Thing", "Widget-Hours") is None


def test_ai_credits_are_ai_credits_and_licences_are_seat_licences() -> None:
    assert catalogue.billing_unit("copilot_ai_credit", "ai-credits") == catalogue.AI_CREDITS
    assert catalogue.billing_unit("Copilot Premium Request") == catalogue.PREMIUM_REQUESTS
    # an unknown Copilot SKU is still typed by its unit, never as premium requests by default
    assert catalogue.billing_unit("future_ai_credit_sku", "ai-credits") == catalogue.AI_CREDITS
    business = catalogue.skus()[catalogue.canonical_sku("Copilot Business")]
    assert business.is_seat_licence and business.plan_type == "business"
    seat_plans = {s.plan_type for s in catalogue.skus().values() if s.is_seat_licence}
    assert seat_plans == {"business", "enterprise"}


def test_the_catalogue_covers_every_product_family_the_docs_list() -> None:
    products = {s.product for s in catalogue.skus().values()}
    assert {
        "actions",
        "packages",
        "git_lfs",
        "codespaces",
        "copilot",
        "spark",
        "ghas",
        "ghec",
        "models",
        "code_quality",
        "sandbox",
    } <= products
    runner_skus = [s for s in catalogue.skus().values() if s.billing_unit == "minutes"]
    assert len(runner_skus) >= 36


def test_every_spelling_points_at_something_the_catalogue_knows() -> None:
    with catalogue.SPELLINGS_FILE.open(newline="") as handle:
        spellings = list(csv.DictReader(handle))
    assert spellings
    for row in spellings:
        assert row["spelling"] == catalogue.normalise_key(row["spelling"]), row
        if row["kind"] == "sku":
            assert row["canonical"] in catalogue.skus(), row
        if row["kind"] == "unit":
            assert row["canonical"] in catalogue.known_units(), row
        if row["kind"] == "product":
            assert row["canonical"] in {s.product for s in catalogue.skus().values()}, row
