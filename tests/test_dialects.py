"""Every way GitHub spells its JSON reconciles the same: an enterprise per simulator dialect
(`Copilot Business` or `Copilot for Business`, `UserMonths` or `user-months`, `GigabyteHours` or
`gigabyte-hours`, `credits` or `ai-credits`, product casing) loaded over HTTP and built. The
shared enterprise of the other tests speaks `documented` (its seed picks it); these two
cover the others."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from pipelines.github_billing import catalogue
from pipelines.runner import build_models
from pipelines.simulator import Enterprise, EnterpriseSize, Simulator
from pipelines.simulator.dialects import DIALECTS
from tests.conftest import TODAY, load_into, make_enterprise, query

RAW = "github_billing_raw"
# Enterprise plans come from every third organization; 25 days reach back into October.
SIZE = EnterpriseSize(orgs=3, repos=6, seat_holders=14, cost_centers=3, days=25, models=3)


def test_the_shared_enterprise_speaks_a_dialect_these_tests_do_not_repeat() -> None:
    assert make_enterprise().spelling.name == "documented"


@pytest.mark.parametrize("dialect", ["display", "kebab"])
def test_each_spelling_loads_as_the_same_skus_units_and_dollars(
    dialect: str, tmp_path: Path
) -> None:
    ent = Enterprise(slug="acme-corp", seed=7, size=SIZE, today=TODAY, dialect=dialect)
    spelling = DIALECTS[dialect]
    with Simulator(ent) as sim:
        db = tmp_path / f"{dialect}.duckdb"
        load_into(db, sim, usage_exports=True)
        build_models(db)

    licences = query(
        db,
        f"select distinct sku, sku_raw, unit_type, unit_type_raw from {RAW}.usage_items "
        "where sku = 'copilot_for_business'",
    )
    spelled = (spelling.sku("copilot_for_business"), spelling.unit("user_months"))
    assert licences == [("copilot_for_business", spelled[0], "user_months", spelled[1])]
    # AI credits are AI credits, whatever the unit is called, in raw tables and marts
    units = query(db, f"select distinct unit_type, unit_type_raw from {RAW}.ai_credit_usage")
    assert units == [("ai_credits", spelling.unit("ai_credits"))]
    # the report CSVs have spellings of their own (the enterprise's CSV dialect)
    report_units = query(
        db, f"select distinct unit_type, unit_type_raw from {RAW}.copilot_user_usage"
    )
    assert {canonical for canonical, _raw in report_units} == {"ai_credits"}
    assert all(catalogue.canonical_unit(raw) == canonical for canonical, raw in report_units)
    assert query(db, "select distinct billing_unit from marts.fct_copilot_model_usage") == [
        ("ai_credits",)
    ]
    assert query(
        db, "select distinct billing_unit from marts.fct_usage_costs where sku like '%ai_credit%'"
    ) == [("ai_credits",)]

    # Business seat cost reaches its holders: nothing unassigned, every licence dollar allocated
    assert query(db, "select count(*) from marts.fct_copilot_seat_days where is_unassigned") == [
        (0,)
    ]
    [(allocated, billed)] = query(
        db,
        "select (select sum(net_amount) from marts.fct_copilot_seat_days where plan_type = "
        "'business'), (select sum(net_amount) from marts.fct_usage_costs "
        "where sku = 'copilot_for_business')",
    )
    assert allocated == billed and billed > 0

    truth = {
        (date.fromisoformat(day), partition): Decimal(v["net"])
        for day, partitions in ent.ground_truth()["by_day"].items()
        for partition, v in partitions.items()
    }
    marts = query(
        db,
        "select usage_date, cost_center_id, net_amount from marts.fct_daily_cost_by_cost_center",
    )
    assert {(d, cc): net for d, cc, net in marts} == truth
