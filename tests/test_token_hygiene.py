"""The access token never leaves the Authorization header sent to the configured API host.

A canary token is used for successful and failing runs with every log turned up; then everything
they printed and every file they wrote (the DuckDB file and its WAL, dlt's pipeline folder with
state, trace and load packages, dbt's target and logs) is searched for it, plain and in base64,
and every text value stored in DuckDB is searched too.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import duckdb
import pytest

from pipelines.github_billing import GitHubApiError, GitHubClient
from pipelines.simulator import Simulator
from pipelines.simulator import faults as f
from pipelines.simulator.server import Fault, TokenInfo
from tests.conftest import TODAY, env_for, make_enterprise
from tests.test_cli import ROOT, run_cli

CANARY = "ghp_CANARY0hygiene0c4nary0t0ken0000000xyz"
SEATS = r"/copilot/billing/seats$"
SEATS_URL_PATH = "/enterprises/acme-corp/copilot/billing/seats"


def leaks(text: bytes) -> list[str]:
    """Which forms of the canary occur in `text`."""
    forms = {
        "plain": CANARY[4:].encode(),  # also catches a token printed with its prefix cut
        "base64": base64.b64encode(CANARY.encode())[:-4],
        "basic-auth base64": base64.b64encode(f"x:{CANARY}".encode())[8:-4],
    }
    return [name for name, form in forms.items() if form in text]


def leaks_in_files(root: Path) -> dict[str, list[str]]:
    found = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and (hits := leaks(path.read_bytes())):
            found[str(path.relative_to(root))] = hits
    return found


def leaks_in_duckdb(db: Path) -> list[str]:
    """DuckDB compresses strings on disk, so also ask it: every value of every column."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns"
        ).fetchall()
        return [
            f"{schema}.{table}.{column}"
            for schema, table, column in columns
            if con.execute(
                f'select count(*) from "{schema}"."{table}" where "{column}"::varchar like ?',
                [f"%{CANARY[4:]}%"],
            ).fetchone()[0]
        ]
    finally:
        con.close()


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with Simulator(make_enterprise(), tokens={CANARY: TokenInfo()}) as s:
        yield s


@pytest.fixture
def loud_env(sim: Simulator, tmp_path: Path) -> dict[str, str]:
    """Every log at DEBUG, progress on, dbt's artifacts inside tmp_path."""
    return env_for(
        sim,
        token=CANARY,
        SOURCES__GITHUB_BILLING__START_DATE=(TODAY.replace(day=1)).isoformat(),
        # parallel requests: worker threads' errors and logs must not carry the token either
        SOURCES__GITHUB_BILLING__MAX_PARALLEL_REQUESTS="3",
        RUNTIME__LOG_LEVEL="DEBUG",
        SOURCES__GITHUB_BILLING__PROGRESS="1",
        DBT_TARGET_PATH=str(tmp_path / "dbt_target"),
        DBT_LOG_PATH=str(tmp_path / "dbt_logs"),
    )


def _malformed_seats(sim: Simulator) -> None:
    sim.inject(Fault(SEATS, mode="mutate", times=10**6, mutate=lambda p: {**p, "seats": [1]}))


FAILURES = {
    "GitHub keeps answering 503": lambda sim: sim.inject(f.server_error(r"/usage$", 503, 10**6)),
    "a seats page is malformed": _malformed_seats,
    "the token is revoked": lambda sim: setattr(sim.tokens[CANARY], "revoked", True),
}

# An error nobody wrote a sentence for, raised inside dlt's extract while the token is in scope,
# with SOURCES__GITHUB_BILLING__DEBUG=1 so the whole traceback is printed.
CRASHING_RUN = """
import sys
import pipelines.github_billing.resources as resources

def copilot_seats(*args, **kwargs):
    raise RuntimeError("boom while reading seats")
    yield

resources.copilot_seats = copilot_seats
from pipelines.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_the_canary_token_appears_nowhere_after_successful_and_failing_runs(
    sim: Simulator, tmp_path: Path, loud_env: dict[str, str]
) -> None:
    db = tmp_path / "data" / "billing.duckdb"
    printed: list[bytes] = []

    def cli(*args: str, **extra: str) -> int:
        done = run_cli(*args, env={**loud_env, **extra})
        printed.append((done.stdout + done.stderr).encode())
        return done.returncode

    assert cli("check") == 0
    assert cli("run", "--db", str(db), "--today", TODAY.isoformat()) == 0  # with dbt build
    for name, inject in FAILURES.items():
        inject(sim)
        try:
            # a backfill of recent days, so the run reads /usage again whatever drifted
            recent = ("--since", (TODAY - timedelta(days=3)).isoformat())
            run = ("run", "--db", str(db), "--no-build", "--today", TODAY.isoformat(), *recent)
            assert cli(*run) != 0, name
        finally:
            sim.faults.clear()
            sim.tokens[CANARY].revoked = False
    wrong_slug = {"SOURCES__GITHUB_BILLING__ENTERPRISE": "no-such-enterprise"}
    assert cli("run", "--db", str(db), "--today", TODAY.isoformat(), **wrong_slug) != 0
    assert cli("status", "--db", str(db), "--json") != 0  # the last run failed
    crashed = subprocess.run(
        [sys.executable, "-c", CRASHING_RUN, "run", "--db", str(db), "--no-build"],
        cwd=ROOT,
        env={**os.environ, **loud_env, "SOURCES__GITHUB_BILLING__DEBUG": "1"},
        capture_output=True,
    )
    assert crashed.returncode == 1 and b"boom while reading seats" in crashed.stderr
    printed.append(crashed.stdout + crashed.stderr)

    assert any(b"DEBUG" in out for out in printed), "the runs logged at DEBUG level"
    assert any(b"Traceback" in out for out in printed), "a traceback was printed"
    assert (tmp_path / "dbt_target" / "manifest.json").is_file()
    assert (tmp_path / "data" / ".billing.dlt").is_dir()
    assert [leaks(out) for out in printed if leaks(out)] == []
    assert leaks_in_files(tmp_path) == {}
    assert leaks_in_duckdb(db) == []


class _Recorder(BaseHTTPRequestHandler):
    """Another host: records the headers it receives and answers an empty seats page."""

    received: ClassVar[list[dict[str, str]]] = []

    def do_GET(self) -> None:
        type(self).received.append(dict(self.headers))
        body = b'{"total_seats": 0, "seats": []}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def other_host() -> Iterator[str]:
    _Recorder.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def seats_answer(sim: Simulator, status: int, body: dict, **headers: str) -> GitHubClient:
    """The simulator's next seats page answers this; returns a client holding the canary."""
    sim.inject(Fault(SEATS, mode="status", status=status, body=body, headers=headers))
    return GitHubClient(sim.base_url, CANARY, sim.enterprise.slug)


def test_a_next_page_link_to_another_host_is_not_followed_and_gets_no_token(
    sim: Simulator, other_host: str
) -> None:
    client = seats_answer(
        sim,
        200,
        {"total_seats": 2, "seats": []},
        Link=f'<{other_host}{SEATS_URL_PATH}?page=2>; rel="next"',
    )
    with pytest.raises(GitHubApiError) as failed:
        list(client.get_pages(SEATS_URL_PATH))
    assert str(failed.value) == (
        "GitHub's next-page link for /enterprises/acme-corp/copilot/billing/seats points to "
        f"another host ({other_host.removeprefix('http://')}), so it was not followed and the "
        f"token was not sent there: check base_url ({sim.base_url}) and run again."
    )
    assert _Recorder.received == []


def test_a_redirect_to_another_host_is_followed_without_the_token(
    sim: Simulator, other_host: str
) -> None:
    client = seats_answer(sim, 302, {}, Location=f"{other_host}{SEATS_URL_PATH}")
    pages = list(client.get_pages(SEATS_URL_PATH))
    assert pages == [{"total_seats": 0, "seats": []}]
    assert len(_Recorder.received) == 1
    assert "Authorization" not in _Recorder.received[0]
    assert not any(CANARY in value for value in _Recorder.received[0].values())


def test_requests_to_the_configured_host_carry_the_token(sim: Simulator) -> None:
    """The guard above is not simply dropping the header everywhere."""
    client = GitHubClient(sim.base_url, CANARY, sim.enterprise.slug)
    assert client.get_json("/rate_limit")["rate"]["limit"] == 5000
