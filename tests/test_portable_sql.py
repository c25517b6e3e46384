"""The dbt project is written once for every engine: no DuckDB-only construct outside a
`duckdb__` dispatch macro, and what dbt compiles for DuckDB and for PostgreSQL is valid SQL of
that engine (sqlglot's parsers). The PostgreSQL suite builds and tests it for real."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlglot

from pipelines.runner import DBT_PROJECT_DIR, invoke_dbt
from pipelines.store import Store

# What the issue found in the models, as patterns over SQL with comments removed.
DUCKDB_ONLY = {
    "select * exclude": r"\*\s*exclude\s*\(",
    "select * replace": r"\*\s*replace\s*\(",
    "union all by name": r"union\s+(all\s+)?by\s+name",
    "qualify": r"\bqualify\b",
    "asof join": r"\basof\b",
    "generate_series / unnest": r"(?<![.\w])(generate_series|unnest)\s*\(",
    "day() / year() / month() / last_day() / isodow()": (
        r"(?<![.\w])(day|year|month|last_day|isodow)\s*\("
    ),
    "hugeint": r"\bhugeint\b",
    "integer division //": r"//",
    "count(distinct ...) over": r"count\s*\(\s*distinct[^()]*\)\s*over",
    "bare bool_and / bool_or": r"(?<![.\w])bool_(and|or)\s*\(",
    "string_agg": r"(?<![.\w])string_agg\s*\(",
    "timezone()": r"(?<![.\w])timezone\s*\(",
    "group by all / order by all": r"(group|order)\s+by\s+all\b",
    ":: casts": r"::",
    "aggregate filter (where ...)": r"\bfilter\s*\(\s*where\b",
}
SQL_FOLDERS = ("models", "macros", "tests")


def _without_comments_and_duckdb_macros(text: str) -> str:
    text = re.sub(r"\{#.*?#\}", "", text, flags=re.S)
    text = re.sub(
        r"\{%-?\s*macro\s+duckdb__.*?\{%-?\s*endmacro\s*-?%\}", "", text, flags=re.S | re.I
    )
    return re.sub(r"--[^\n]*", "", text)


def _project_sql() -> Iterator[Path]:
    for folder in SQL_FOLDERS:
        yield from sorted((DBT_PROJECT_DIR / folder).rglob("*.sql"))


def test_no_duckdb_only_construct_remains_outside_a_duckdb_dispatch_macro() -> None:
    found = [
        f"{path.relative_to(DBT_PROJECT_DIR)}: {name}"
        for path in _project_sql()
        for name, pattern in DUCKDB_ONLY.items()
        if re.search(pattern, _without_comments_and_duckdb_macros(path.read_text()), re.I)
    ]
    assert found == []


def test_the_check_finds_each_construct_it_looks_for() -> None:
    """The patterns are not vacuous: each catches the construct the issue listed."""
    samples = {
        "select * exclude": "select * exclude (a) from t",
        "select * replace": "select * replace (1 as a) from t",
        "union all by name": "select 1 union all by name select 2",
        "qualify": "select a from t qualify row_number() over () = 1",
        "asof join": "select * from a asof join b on a.x <= b.x",
        "generate_series / unnest": "select unnest(generate_series(1, 3))",
        "day() / year() / month() / last_day() / isodow()": "select day(last_day(d))",
        "hugeint": "select cast(a as hugeint)",
        "integer division //": "select a // 2",
        "count(distinct ...) over": "select count(distinct a) over (partition by b)",
        "bare bool_and / bool_or": "select bool_and(a)",
        "string_agg": "select string_agg(distinct a, ',' order by a)",
        "timezone()": "select timezone('UTC', a)",
        "group by all / order by all": "select a, count(*) from t group by all",
        ":: casts": "select a::hugeint",
        "aggregate filter (where ...)": "select count(*) filter (where a)",
    }
    assert samples.keys() == DUCKDB_ONLY.keys()
    for name, sql in samples.items():
        assert re.search(DUCKDB_ONLY[name], sql, re.I), name
    # ...and what the dispatch macros and dbt's own macros are allowed to say
    allowed = "{% macro duckdb__x() %} a // 2 {% endmacro %} {{ dbt.bool_or('a') }} -- qualify"
    text = _without_comments_and_duckdb_macros(allowed)
    assert not any(re.search(p, text, re.I) for p in DUCKDB_ONLY.values())


def _compiled(store: Store, target_path: Path) -> dict[str, str]:
    """Every model's and data test's SQL as dbt compiles it for the store's engine."""
    result = invoke_dbt(store, "compile", "--target-path", str(target_path))
    assert result.success, result.exception
    compiled: Any = result.result
    return {
        r.node.unique_id: r.node.compiled_code
        for r in compiled.results
        if r.node.resource_type in ("model", "test") and r.node.compiled_code
    }


def _unparsable(sqls: dict[str, str], dialect: str) -> list[str]:
    bad = []
    for node, sql in sqls.items():
        try:
            sqlglot.parse(sql, read=dialect, error_level=sqlglot.ErrorLevel.RAISE)
        except sqlglot.errors.SqlglotError as exc:
            bad.append(f"{node}: {str(exc).splitlines()[0]}")
    return bad


def test_the_sql_compiled_for_duckdb_parses_as_duckdb(built_db: Path, tmp_path: Path) -> None:
    sqls = _compiled(built_db, tmp_path / "target")
    assert len(sqls) > 200
    assert _unparsable(sqls, "duckdb") == []


@pytest.mark.postgres
def test_the_sql_compiled_for_postgres_parses_as_postgres(
    postgres_cluster: Any, tmp_path: Path
) -> None:
    from pipelines.store.postgres import PostgresStore

    dsn = postgres_cluster.create_database("portable_sql")
    store = PostgresStore.from_dsn(dsn.replace("postgres@", "postgres:unused@"))
    sqls = _compiled(store, tmp_path / "target")
    assert len(sqls) > 200
    assert _unparsable(sqls, "postgres") == []
    # the engine-specific macros compiled to PostgreSQL's side
    everything = "\n".join(sqls.values())
    assert "hugeint" not in everything and "json_build_object" in everything
