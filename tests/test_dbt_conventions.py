"""The dbt project keeps the house conventions (what dbt-project-evaluator would check, which
cannot be installed offline), read from the manifest dbt writes and the models it built."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from tests.conftest import DBT_TARGET

PREFIXES = {
    "staging": ("stg_github_billing__",),
    "intermediate": ("int_",),
    "marts": ("fct_", "dim_"),
    "focus": ("focus_",),
}
# Named by the issue that asked for it: the FinOps action list, not a fact or a dimension.
NAMED_EXCEPTIONS = {"idle_copilot_seats"}


@pytest.fixture(scope="module")
def manifest(built_db: Path) -> dict:
    """The manifest of the build of the shared enterprise (built_db runs `dbt build`)."""
    return json.loads((DBT_TARGET / "manifest.json").read_text())


def models(manifest: dict) -> list[dict]:
    return [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]


def layer(model: dict) -> str:
    return Path(model["original_file_path"]).parts[1]


def data_tests_of(manifest: dict, model: dict) -> list[dict]:
    return [
        n
        for n in manifest["nodes"].values()
        if n["resource_type"] == "test" and n.get("attached_node") == model["unique_id"]
    ]


def test_every_model_is_named_for_its_layer(manifest: dict) -> None:
    for model in models(manifest):
        if model["name"] in NAMED_EXCEPTIONS:
            continue
        assert model["name"].startswith(PREFIXES[layer(model)]), model["original_file_path"]


# Staging maps GitHub's spellings to canonical names through the SKU catalogue's seeds.
CATALOGUE_SEEDS = {"seed.github_billing.github_skus", "seed.github_billing.github_spellings"}


def test_staging_reads_only_sources_and_the_catalogue_and_nothing_else_reads_sources(
    manifest: dict,
) -> None:
    for model in models(manifest):
        upstream = model["depends_on"]["nodes"]
        from_sources = [u for u in upstream if u.startswith("source.")]
        if layer(model) == "staging":
            assert from_sources and set(upstream) - set(from_sources) <= CATALOGUE_SEEDS, model[
                "name"
            ]
        else:
            assert not from_sources, f"{model['name']} reads a source directly"


def test_every_model_says_its_grain(manifest: dict) -> None:
    for model in models(manifest):
        description = " ".join(model["description"].split())
        assert "The grain of the table is" in description, model["name"]
        assert description.endswith("."), model["name"]


def test_every_model_has_a_primary_key_test(manifest: dict) -> None:
    for model in models(manifest):
        tests = data_tests_of(manifest, model)
        kinds = {(t["test_metadata"]["name"], t.get("column_name")) for t in tests}
        unique_columns = {c for kind, c in kinds if kind == "unique" and c}
        not_null_columns = {c for kind, c in kinds if kind == "not_null" and c}
        has_key = bool(unique_columns & not_null_columns) or any(
            kind == "unique_combination_of_columns" for kind, _ in kinds
        )
        assert has_key, model["name"]


def test_every_fact_relates_to_its_dimensions(manifest: dict) -> None:
    for model in models(manifest):
        if model["name"].startswith("fct_"):
            kinds = {t["test_metadata"]["name"] for t in data_tests_of(manifest, model)}
            assert "relationships" in kinds, model["name"]


def test_every_built_column_is_documented_and_nothing_else(manifest: dict, built_db: Path) -> None:
    con = duckdb.connect(str(built_db), read_only=True)
    try:
        for model in models(manifest):
            built = {
                name
                for (name,) in con.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = ? and table_name = ?",
                    [model["schema"], model["alias"]],
                ).fetchall()
            }
            documented = {name for name, c in model["columns"].items() if c["description"].strip()}
            assert built, model["name"]
            assert built == documented, (model["name"], built ^ documented)
    finally:
        con.close()
