"""Bad input gets one sentence (what is wrong, what to do), exit code 2, and leaves the database
exactly as it was: nothing is loaded half-way, and a refused run does not even open the file.

These call the CLI's `main()` in-process for speed; tests/test_cli.py covers the same entry
point as a subprocess.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipelines.cli import main
from pipelines.simulator import Simulator
from tests.conftest import TODAY


def refuse(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Run the CLI, expect a refusal, return the one line it printed."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2, err
    assert out == "" and len(lines) == 1, err
    assert lines[0].startswith("error: ")
    return lines[0].removeprefix("error: ")


def run_argv(db: Path, *extra: str) -> list[str]:
    return ["run", "--no-build", "--db", str(db), "--today", TODAY.isoformat(), *extra]


OLDEST = "2024-11-01"  # 24 months before TODAY's month


@pytest.mark.parametrize(
    ("extra", "sentence"),
    [
        (
            ["--since", "2026-02-30"],
            "--since must be a date like 2026-01-31, not '2026-02-30'.",
        ),
        (
            ["--since", "2026-11-25"],
            "--since 2026-11-25 is not in the past: GitHub has complete days only up to yesterday.",
        ),
        (
            ["--since", "2027-01-01"],
            "--since 2027-01-01 is not in the past: GitHub has complete days only up to yesterday.",
        ),
        (
            ["--since", "2024-10-31"],
            f"--since 2024-10-31 is before GitHub's 24-month window: the oldest day it serves "
            f"is {OLDEST}.",
        ),
        (
            ["--since", "2026-05-02", "--until", "2026-05-01"],
            "--until 2026-05-01 is before --since 2026-05-02.",
        ),
    ],
    ids=["not-a-date", "since-today", "since-future", "since-before-24-months", "until<since"],
)
def test_a_bad_window_is_refused_before_the_database_is_touched(
    configured: Simulator,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    sentence: str,
) -> None:
    db = tmp_path / "billing.duckdb"
    configured.clear_requests()
    assert refuse(capsys, *run_argv(db, *extra)) == sentence
    assert not db.exists() and configured.requests == []


def test_the_oldest_day_of_the_window_is_accepted(
    configured: Simulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "billing.duckdb"
    assert main(run_argv(db, "--since", OLDEST, "--until", OLDEST)) == 0, capsys.readouterr()


@pytest.mark.parametrize(
    ("env", "sentence"),
    [
        (
            {"SOURCES__GITHUB_BILLING__ENTERPRISE": ""},
            "No enterprise is configured: set SOURCES__GITHUB_BILLING__ENTERPRISE or enterprise "
            "under [sources.github_billing] in .dlt/config.toml (the slug after /enterprises/ in "
            "your enterprise URL).",
        ),
        (
            {"SOURCES__GITHUB_BILLING__ENTERPRISE": "   "},
            "No enterprise is configured: set SOURCES__GITHUB_BILLING__ENTERPRISE or enterprise "
            "under [sources.github_billing] in .dlt/config.toml (the slug after /enterprises/ in "
            "your enterprise URL).",
        ),
        (
            {"SOURCES__GITHUB_BILLING__ENTERPRISE": "acme corp"},
            "'acme corp' is not an enterprise slug like acme-corp: use the part after "
            "/enterprises/ in your enterprise URL.",
        ),
        (
            {"SOURCES__GITHUB_BILLING__ENTERPRISE": "acme?x=1"},
            "'acme?x=1' is not an enterprise slug like acme-corp: use the part after "
            "/enterprises/ in your enterprise URL.",
        ),
        (
            {"SOURCES__GITHUB_BILLING__ENTERPRISE": "https://github.com/orgs/acme-corp"},
            "'https://github.com/orgs/acme-corp' is not an enterprise URL: expected "
            "https://github.com/enterprises/<slug>.",
        ),
        (
            {"SOURCES__GITHUB_BILLING__BASE_URL": "http://api.example.com"},
            "base_url 'http://api.example.com' uses plain http to a non-local host, which would "
            "send the token in clear: use https://.",
        ),
        (
            {"SOURCES__GITHUB_BILLING__BASE_URL": "api.github.com"},
            "base_url 'api.github.com' is not an http(s) URL, e.g. https://api.github.com.",
        ),
        (
            {"SOURCES__GITHUB_BILLING__LOOKBAK_DAYS": "3"},
            "Unknown environment variable SOURCES__GITHUB_BILLING__LOOKBAK_DAYS (did you mean "
            "SOURCES__GITHUB_BILLING__LOOKBACK_DAYS?): fix or unset it.",
        ),
        (
            {"SOURCES__GITHUB_BILLING__LOOKBACK_DAYS": "a week"},
            "lookback_days must be a whole number of days such as 7, not 'a week'.",
        ),
        (
            {"SOURCES__GITHUB_BILLING__MAX_PARALLEL_REQUESTS": "0"},
            "max_parallel_requests must be a whole number from 1 to 4 (1 sends one request at a "
            "time, as GitHub advises), not '0'.",
        ),
        (
            {"SOURCES__GITHUB_BILLING__MAX_PARALLEL_REQUESTS": "16"},
            "max_parallel_requests must be a whole number from 1 to 4 (1 sends one request at a "
            "time, as GitHub advises), not '16'.",
        ),
        (
            {"SOURCES__GITHUB_BILLING__MAX_PARALLEL_REQUESTS": "two"},
            "max_parallel_requests must be a whole number from 1 to 4 (1 sends one request at a "
            "time, as GitHub advises), not 'two'.",
        ),
        (
            {"SOURCES__GITHUB_BILLING__START_DATE": "01/10/2026"},
            "start_date must be a date like 2026-01-31, not '01/10/2026'.",
        ),
    ],
    ids=[
        "empty-slug",
        "blank-slug",
        "slug-with-space",
        "slug-with-query",
        "org-url",
        "http-remote",
        "no-scheme",
        "typo-env-var",
        "lookback-not-a-number",
        "parallel-zero",
        "parallel-too-many",
        "parallel-not-a-number",
        "start-date-not-a-date",
    ],
)
def test_bad_configuration_is_refused_before_the_database_is_touched(
    configured: Simulator,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    env: dict[str, str],
    sentence: str,
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    db = tmp_path / "billing.duckdb"
    configured.clear_requests()
    assert refuse(capsys, *run_argv(db)) == sentence
    assert not db.exists() and configured.requests == []


def test_a_loopback_http_base_url_is_allowed(
    configured: Simulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert configured.base_url.startswith("http://127.0.0.1:")
    assert main(["check"]) == 0, capsys.readouterr().err


@pytest.mark.parametrize(
    ("toml", "sentence"),
    [
        (
            "[sources.github_billing]\nlookbak_days = 3\n",
            "Unknown key 'lookbak_days' under [sources.github_billing] in {path} (did you mean "
            "'lookback_days'?): fix or remove it.",
        ),
        (
            "[sources.github_billing]\nlookback_days = \n",
            "{path} is not valid TOML (Invalid value (at line 2, column 17)): fix the file and "
            "run again.",
        ),
    ],
    ids=["typo-key", "invalid-toml"],
)
def test_a_config_file_with_a_typo_is_refused(
    configured: Simulator,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    toml: str,
    sentence: str,
) -> None:
    project = tmp_path / "project"
    (project / ".dlt").mkdir(parents=True)
    config = project / ".dlt" / "config.toml"
    config.write_text(toml)
    monkeypatch.chdir(project)
    monkeypatch.setenv("DLT_PROJECT_DIR", str(project))
    db = tmp_path / "billing.duckdb"
    assert refuse(capsys, *run_argv(db)) == sentence.format(path=config)
    assert not db.exists()


def test_an_unwritable_db_path_is_refused(
    configured: Simulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("")
    db = not_a_folder / "billing.duckdb"
    configured.clear_requests()
    assert refuse(capsys, *run_argv(db)) == (
        f"Cannot write next to {db} (part of that path is a file, not a folder): "
        "choose a writable --db path."
    )
    assert configured.requests == []


def test_a_refused_run_leaves_earlier_data_exactly_as_it_was(
    configured: Simulator,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db = tmp_path / "billing.duckdb"
    assert main(run_argv(db, "--since", "2026-11-20")) == 0
    before = db.read_bytes()
    capsys.readouterr()
    monkeypatch.setenv("SOURCES__GITHUB_BILLING__ENTERPRISE", "acme corp")
    refuse(capsys, *run_argv(db))
    monkeypatch.setenv("SOURCES__GITHUB_BILLING__ENTERPRISE", "acme-corp")
    refuse(capsys, *run_argv(db, "--since", "2027-01-01"))
    assert db.read_bytes() == before
    con = duckdb.connect(str(db), read_only=True)
    (runs,) = con.execute("select count(*) from github_billing_ops.runs").fetchone()
    con.close()
    assert runs == 1


@pytest.mark.parametrize(
    ("make", "detail"),
    [
        (lambda db: db.mkdir(), 'Could not read from file "{db}": Is a directory'),
        (
            lambda db: db.write_text("not a database"),
            'The file "{db}" exists, but it is not a valid DuckDB database file!',
        ),
    ],
    ids=["a-folder", "not-duckdb"],
)
def test_a_db_path_that_is_not_a_duckdb_file_is_refused(
    configured: Simulator, tmp_path: Path, capsys: pytest.CaptureFixture[str], make, detail: str
) -> None:
    db = tmp_path / "billing.duckdb"
    make(db)
    sentence = (
        f"Cannot open the DuckDB file {db} ({detail.format(db=db)}): point --db (or "
        "GITHUB_BILLING_DUCKDB) at a DuckDB file, or at a new path to create one."
    )
    assert refuse(capsys, *run_argv(db)) == sentence
    assert refuse(capsys, "status", "--db", str(db)) == sentence
    assert configured.requests == []
