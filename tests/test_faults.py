"""GitHub misbehaves; the pipeline either ends with a correct load or with one sentence, and
never loses or doubles what was already loaded."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests

from pipelines.github_billing.retry import GitHubWait
from pipelines.runner import RunFailed
from pipelines.simulator import Simulator
from pipelines.simulator import faults as f
from pipelines.simulator.server import Fault
from tests.conftest import TODAY, load_into, make_enterprise
from tests.test_source import raw_net_by_day_and_partition, truth_by_day_and_partition

# one worker preloads the enterprise once (make test runs pytest-xdist)
pytestmark = pytest.mark.xdist_group("faults")

USAGE = r"/settings/billing/usage$"
START = TODAY - timedelta(days=3)


def truth_since(sim: Simulator, start=START) -> dict:
    return {k: v for k, v in truth_by_day_and_partition(sim).items() if k[0] >= start.isoformat()}


def load_recent(db: Path, sim: Simulator, **kw: object) -> object:
    return load_into(db, sim, start_date=START.isoformat(), **kw)


@pytest.mark.parametrize(
    ("fault", "path"),
    [
        (lambda: f.secondary_rate_limit(USAGE, 403, retry_after=0), USAGE),
        (lambda: f.secondary_rate_limit(USAGE, 429, retry_after=0), USAGE),
        (lambda: f.primary_rate_limit(USAGE, reset_in=0), USAGE),
        (lambda: f.server_error(USAGE, 500, times=2), USAGE),
        (lambda: f.server_error(USAGE, 502), USAGE),
        (lambda: f.server_error(USAGE, 503), USAGE),
        (lambda: f.truncated_json(USAGE), USAGE),
        (lambda: f.connection_reset(USAGE), USAGE),
        (lambda: f.server_error(r"/copilot/billing/seats$"), r"/copilot/billing/seats$"),
    ],
    ids=[
        "secondary-403",
        "secondary-429",
        "primary",
        "500x2",
        "502",
        "503",
        "truncated",
        "reset",
        "seats-500",
    ],
)
def test_transient_faults_are_retried_and_the_load_is_exact(
    simulator: Simulator, tmp_path: Path, fault: Callable, path: str
) -> None:
    simulator.inject(fault())
    load_recent(tmp_path / "f.duckdb", simulator)
    assert simulator.faults == []  # the fault was served
    statuses = [r.status for r in simulator.requests_to(path)]
    assert raw_net_by_day_and_partition(tmp_path / "f.duckdb") == truth_since(simulator)
    assert len(statuses) >= 1


def test_a_failing_link_page_is_retried(simulator: Simulator, tmp_path: Path) -> None:
    fault = f.server_error(r"/copilot/billing/seats$")
    fault.query = {"page": "2"}
    simulator.inject(fault)
    load_recent(tmp_path / "p.duckdb", simulator, seats_per_page=5)
    pages = [r.query["page"] for r in simulator.requests_to(r"/copilot/billing/seats$")]
    assert pages.count("2") == 2 and simulator.faults == []


def test_a_response_slower_than_the_timeout_is_retried(
    simulator: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUNTIME__REQUEST_TIMEOUT", "0.5")
    simulator.inject(f.slow(USAGE, delay=1.0))
    load_recent(tmp_path / "s.duckdb", simulator)
    assert raw_net_by_day_and_partition(tmp_path / "s.duckdb") == truth_since(simulator)


@pytest.mark.parametrize("make", [f.unknown_field, f.missing_optional_field, f.casing_drift])
def test_schema_drift_in_a_payload_still_loads_exactly(
    simulator: Simulator, tmp_path: Path, make: Callable
) -> None:
    simulator.inject(make(USAGE, times=3))
    load_recent(tmp_path / "d.duckdb", simulator)
    assert raw_net_by_day_and_partition(tmp_path / "d.duckdb") == truth_since(simulator)


def test_a_persistent_5xx_gives_up_with_a_sentence_and_keeps_earlier_data(
    simulator: Simulator, tmp_path: Path
) -> None:
    db = tmp_path / "keep.duckdb"
    load_recent(db, simulator)
    before = raw_net_by_day_and_partition(db)
    simulator.enterprise.restate(TODAY - timedelta(days=2))  # so the next run reads /usage
    simulator.inject(f.server_error(USAGE, 502, times=50))
    with pytest.raises(RunFailed) as failed:
        load_recent(db, simulator)
    assert str(failed.value) == (
        "GitHub kept failing on /enterprises/acme-corp/settings/billing/usage (502) after several "
        "retries; data loaded so far is kept, run again later to continue."
    )
    attempts = [r for r in simulator.requests_to(USAGE) if r.status == 502]
    assert len(attempts) == 3  # bounded: RUNTIME__REQUEST_MAX_ATTEMPTS in conftest
    assert raw_net_by_day_and_partition(db) == before
    simulator.faults.clear()
    load_recent(db, simulator)  # the next run converges
    assert raw_net_by_day_and_partition(db) == truth_since(simulator)


def test_a_malformed_item_fails_the_run_with_a_sentence_and_loads_none_of_it(
    simulator: Simulator, tmp_path: Path
) -> None:
    db = tmp_path / "bad.duckdb"
    load_recent(db, simulator)
    before = raw_net_by_day_and_partition(db)
    simulator.enterprise.restate(TODAY - timedelta(days=2))  # so the next run reads /usage
    simulator.inject(f.missing_required_field(USAGE))
    with pytest.raises(
        RunFailed, match=r"^GitHub sent an unreadable item \(missing field 'date'\)"
    ):
        load_recent(db, simulator)
    assert raw_net_by_day_and_partition(db) == before


def test_a_primary_limit_resetting_beyond_the_max_delay_stops_at_once(
    simulator: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUNTIME__REQUEST_MAX_RETRY_DELAY", "5")
    simulator.inject(f.primary_rate_limit(USAGE, reset_in=3600, times=5))
    started = time.monotonic()
    with pytest.raises(
        RunFailed, match=r"rate limit is exhausted .* run again after \d\d:\d\d UTC"
    ):
        load_recent(tmp_path / "rl.duckdb", simulator)
    assert time.monotonic() - started < 10
    assert len([r for r in simulator.requests_to(USAGE) if r.status == 403]) == 1  # no hammering


def _state(response: requests.Response, attempt: int = 1) -> SimpleNamespace:
    outcome = SimpleNamespace(exception=lambda: None, result=lambda: response)
    return SimpleNamespace(attempt_number=attempt, outcome=outcome)


def _response(status: int, headers: dict[str, str], body: bytes = b"{}") -> requests.Response:
    r = requests.Response()
    r.status_code, r._content = status, body
    r.headers.update(headers)
    return r


def test_waits_follow_githubs_order_retry_after_then_reset_then_a_minute_doubling(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SOURCES__GITHUB_BILLING__RATE_LIMIT_FLOOR_SECONDS", "60")
    wait = GitHubWait(multiplier=1, max=3600)
    assert wait(_state(_response(429, {"retry-after": "7"}))) == 7
    reset = str(int(time.time()) + 100)
    in_reset = wait(
        _state(_response(403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset}))
    )
    assert 95 <= in_reset <= 102
    secondary = _response(403, {}, b'{"message": "You have exceeded a secondary rate limit"}')
    assert [wait(_state(secondary, n)) for n in (1, 2, 3)] == [60, 120, 240]
    assert wait(_state(_response(502, {}), 1)) < 60  # 5xx: dlt's own exponential backoff


def test_ground_truth_is_exact_decimal(simulator: Simulator) -> None:
    assert isinstance(Decimal(simulator.enterprise.ground_truth()["net_total"]), Decimal)


ENDPOINT = "/enterprises/acme-corp/settings/billing/usage"
SEATS_ENDPOINT = "/enterprises/acme-corp/copilot/billing/seats"
RETRY_LATER = "data loaded so far is kept, run again later to continue."


def _not_a_seat_list(payload: dict) -> dict:
    return {**payload, "seats": [1]}


PERSISTENT = {
    "secondary-403": (
        lambda: f.secondary_rate_limit(USAGE, 403, retry_after=0, times=10**6),
        f"GitHub's secondary rate limit (too many requests too quickly) kept refusing {ENDPOINT} "
        "(403) after several waits; run again in a few minutes: the next run picks up where this "
        "one stopped.",
    ),
    "secondary-429": (
        lambda: f.secondary_rate_limit(USAGE, 429, retry_after=0, times=10**6),
        f"GitHub's secondary rate limit (too many requests too quickly) kept refusing {ENDPOINT} "
        "(429) after several waits; run again in a few minutes: the next run picks up where this "
        "one stopped.",
    ),
    "500": (
        lambda: f.server_error(USAGE, 500, times=10**6),
        f"GitHub kept failing on {ENDPOINT} (500) after several retries; {RETRY_LATER}",
    ),
    "503-cost-centers": (
        lambda: f.server_error(r"/cost-centers$", 503, times=10**6),
        "GitHub kept failing on /enterprises/acme-corp/settings/billing/cost-centers (503) after "
        f"several retries; {RETRY_LATER}",
    ),
    "truncated": (
        lambda: f.truncated_json(USAGE, times=10**6),
        f"GitHub sent a malformed (truncated or non-JSON) response for {ENDPOINT}: nothing from "
        "it was loaded; run again.",
    ),
    "reset": (
        lambda: f.connection_reset(USAGE, times=10**6),
        "Could not reach GitHub at {base_url} (ChunkedEncodingError) while reading "
        f"{ENDPOINT}: check base_url and your network, then run again.",
    ),
    "timeout": (
        lambda: f.slow(USAGE, delay=0.4, times=10**6),
        "Could not reach GitHub at {base_url} (ReadTimeout) while reading "
        f"{ENDPOINT}: check base_url and your network, then run again.",
    ),
    "malformed-seats": (
        lambda: Fault(SEATS, mode="mutate", times=10**6, mutate=_not_a_seat_list),
        f"GitHub sent an unreadable item (AttributeError) from {SEATS_ENDPOINT} for {TODAY}: "
        "nothing from that response was loaded; run again, and report it if it persists.",
    ),
    "cost-center-without-id": (
        lambda: Fault(
            r"/cost-centers$",
            mode="mutate",
            times=10**6,
            mutate=lambda p: {"costCenters": [{"name": c["name"]} for c in p["costCenters"]]},
        ),
        "GitHub sent an unreadable item (missing field 'id') from "
        "/enterprises/acme-corp/settings/billing/cost-centers: nothing from that response was "
        "loaded; run again, and report it if it persists.",
    ),
    "usage-not-an-object": (
        lambda: Fault(USAGE, mode="mutate", times=10**6, mutate=lambda payload: [payload]),
        f"GitHub sent an unreadable item (AttributeError) from {ENDPOINT} for {START}: nothing "
        "from that response was loaded; run again, and report it if it persists.",
    ),
}
SEATS = r"/copilot/billing/seats$"


@pytest.fixture(scope="module")
def preloaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Simulator, Path]]:
    """One enterprise, loaded once up to three days ago; each test works on a copy."""
    with Simulator(make_enterprise()) as sim:
        base = tmp_path_factory.mktemp("preloaded")
        earlier = START - timedelta(days=5)
        load_into(base / "billing.duckdb", sim, start_date=earlier.isoformat(), today=str(START))
        yield sim, base


@pytest.mark.parametrize("parallel", [1, 3], ids=["serial", "parallel"])
@pytest.mark.parametrize("case", PERSISTENT.values(), ids=PERSISTENT.keys())
def test_a_fault_that_persists_ends_with_its_sentence_and_keeps_earlier_data(
    preloaded: tuple[Simulator, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    case: tuple[Callable[[], Fault], str],
    parallel: int,
) -> None:
    sim, base = preloaded
    shutil.copytree(base, tmp_path, dirs_exist_ok=True)
    db = tmp_path / "billing.duckdb"
    before = raw_net_by_day_and_partition(db)
    assert before, "earlier data to keep"
    monkeypatch.setenv("RUNTIME__REQUEST_TIMEOUT", "0.2")
    make, sentence = case
    sim.inject(make())
    try:
        with pytest.raises(RunFailed) as failed:
            # with requests in flight in worker threads, the failure is still one sentence
            load_recent(db, sim, max_parallel_requests=parallel)
    finally:
        sim.faults.clear()
    assert str(failed.value) == sentence.format(base_url=sim.base_url)
    assert raw_net_by_day_and_partition(db) == before
