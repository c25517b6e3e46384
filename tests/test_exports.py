"""Per-user usage through GitHub's usage-report export API, against the local API over HTTP:
what lands in DuckDB reconciles with the JSON endpoints, which requests it took, where the
token went, and what a failed, expired or stuck report leaves behind."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from pipelines.github_billing import GitHubClient
from pipelines.github_billing.client import origin, trusted_origins
from pipelines.github_billing.exports import ExportFailed, UsageExports, report_ranges
from pipelines.runner import load
from pipelines.simulator import EnterpriseSize, Simulator, csv_dialects
from pipelines.simulator import exports as sim_exports
from pipelines.simulator import reports as sim_reports
from pipelines.simulator.server import DEMO_TOKEN, DownloadHost, Fault
from tests.conftest import TODAY, load_into, make_enterprise
from tests.test_source import RAW, query

# A window that spans the switch from premium requests to AI credits and needs several
# 31-day reports, kept short so the JSON loads beside it stay quick.
START = date(2026, 5, 1)
RUN_DAY = date(2026, 7, 5)
LAST = RUN_DAY - timedelta(days=1)


def load_exports(db: Path, sim: Simulator, **args: object) -> object:
    args.setdefault("start_date", START.isoformat())
    args.setdefault("today", RUN_DAY.isoformat())
    return load_into(db, sim, usage_exports=True, **args)


def user_net(db: Path) -> dict[tuple[str, str], Decimal]:
    found = query(
        db,
        f"select usage_date, username, sum(net_amount) from {RAW}.copilot_user_usage group by 1, 2",
    )
    return {(d.isoformat(), u): Decimal(n) for d, u, n in found}


def days_where_detailed_differs_from_usage(db: Path) -> int:
    """Days on which the detailed report's dollars are not /usage's over every partition."""
    [(days,)] = query(
        db,
        f"""
        with d as (select usage_date, sum(net_amount) n from {RAW}.detailed_usage group by 1),
             u as (select usage_date, sum(net_amount) n from {RAW}.usage_items group by 1)
        select count(*) from d full join u using (usage_date) where d.n is distinct from u.n""",
    )
    return int(days)


def test_report_ranges_split_at_31_days_and_at_the_switch_to_ai_credits() -> None:
    ranges = report_ranges("copilot", date(2026, 4, 20), date(2026, 7, 5))
    assert ranges == [
        ("premium_request", date(2026, 4, 20), date(2026, 5, 20)),
        ("premium_request", date(2026, 5, 21), date(2026, 5, 31)),
        ("ai_credit", date(2026, 6, 1), date(2026, 7, 1)),
        ("ai_credit", date(2026, 7, 2), date(2026, 7, 5)),
    ]
    assert all((last - first).days < 31 for _t, first, last in ranges)
    assert report_ranges("detailed", date(2026, 11, 17), date(2026, 11, 24)) == [
        ("detailed", date(2026, 11, 17), date(2026, 11, 24))
    ]


def test_the_token_goes_only_to_the_api_host_and_githubs_web_host() -> None:
    assert trusted_origins("https://api.github.com") == {
        ("https", "api.github.com", 443),
        ("https", "github.com", 443),
    }
    assert ("https", "acme.ghe.com", 443) in trusted_origins("https://api.acme.ghe.com")
    assert trusted_origins("http://127.0.0.1:8765") == {("http", "127.0.0.1", 8765)}
    client = GitHubClient("https://api.github.com", DEMO_TOKEN, "acme")
    for foreign in (
        "https://evil.com",
        "https://github.com.evil.com",
        "http://github.com",
        "https://github.com:8443",
    ):
        assert origin(foreign) not in client.trusted_origins


def test_simulated_report_csvs_reconcile_with_the_json_endpoints(simulator: Simulator) -> None:
    """Ground truth: the same numbers behind per-user CSV lines, user= JSON answers and /usage."""
    ent = simulator.enterprise
    client = GitHubClient(simulator.base_url, DEMO_TOKEN, ent.slug)
    truth = sim_reports.user_net_by_day(ent, date(2026, 5, 30), date(2026, 6, 2))
    assert truth
    for (day_text, login), net in sorted(truth.items())[:6]:
        day = date.fromisoformat(day_text)
        path = "ai_credit" if day >= date(2026, 6, 1) else "premium_request"
        payload = client.get_json(
            f"/enterprises/{ent.slug}/settings/billing/{path}/usage",
            params={"year": day.year, "month": day.month, "day": day.day, "user": login},
        )
        assert sum(i["netAmount"] for i in payload["usageItems"]) == net
    detailed = sim_reports.report_records(ent, "detailed", date(2026, 6, 1), date(2026, 6, 3))
    by_day: dict[str, Decimal] = defaultdict(Decimal)
    for record in detailed:
        by_day[str(record["date"])] += record["net_amount"]  # type: ignore[operator]
    assert by_day == sim_reports.net_by_day(ent, date(2026, 6, 1), date(2026, 6, 3))


def test_exports_load_per_user_usage_that_reconciles_to_the_cent(
    simulator: Simulator, tmp_path: Path
) -> None:
    db = tmp_path / "exports.duckdb"
    load_exports(db, simulator)
    ent = simulator.enterprise
    assert user_net(db) == sim_reports.user_net_by_day(ent, START, LAST)  # exact, per user-day
    # per day and model, the per-user rows add up to what the JSON endpoints said
    by_model = query(
        db,
        f"""
        with users as (select usage_date, model, sum(net_amount) n
                       from {RAW}.copilot_user_usage group by 1, 2),
             json as (select usage_date, model, sum(net_amount) n from (
                 select * from {RAW}.premium_request_usage union all
                 select * from {RAW}.ai_credit_usage) group by 1, 2)
        select count(*), count(*) filter (where users.n is distinct from json.n)
        from users full join json using (usage_date, model)""",
    )
    assert by_model[0][0] > 0 and by_model[0][1] == 0
    # per-workflow usage adds up to /usage over every cost-center partition, day by day
    assert days_where_detailed_differs_from_usage(db) == 0
    workflows = query(
        db,
        f"select count(distinct workflow_path), count(distinct username) from {RAW}.detailed_usage"
        " where workflow_path <> ''",
    )
    assert workflows[0][0] > 1 and workflows[0][1] > 1
    types = dict(
        query(
            db,
            "select column_name, data_type from information_schema.columns "
            "where table_name = 'copilot_user_usage' and column_name like '%amount'",
        )
    )
    assert set(types.values()) == {"DECIMAL(38,12)"}
    # the request plan: every report at most 31 days, one at a time, polled then downloaded
    created = [r for r in simulator.reports.values()]
    expected = report_ranges("copilot", START, LAST) + report_ranges("detailed", START, LAST)
    assert sorted((r["report_type"], r["start_date"], r["end_date"]) for r in created) == sorted(
        (t, a.isoformat(), b.isoformat()) for t, a, b in expected
    )
    assert not [r for r in simulator.requests if r.status == 409]
    assert len(simulator.requests_to(r"/settings/billing/reports$")) == len(expected)
    assert len(simulator.requests_to(r"/settings/billing/reports/[0-9a-f-]+$")) == 3 * len(expected)
    assert len(simulator.requests_to(r"/metered_exports/")) == len(expected)


def test_second_run_reads_the_lookback_window_and_replaces_a_restated_day(
    simulator: Simulator, tmp_path: Path
) -> None:
    db = tmp_path / "again.duckdb"
    first, last = date(2026, 10, 20), TODAY - timedelta(days=1)
    load_exports(db, simulator, start_date=first.isoformat(), today=TODAY.isoformat())
    restated = last - timedelta(days=2)
    simulator.enterprise.restate(restated)
    before = len(simulator.reports)
    load_exports(db, simulator, start_date=first.isoformat(), today=TODAY.isoformat())
    second = list(simulator.reports.values())[before:]
    # lookback 7 days before the newest loaded day: one report per family
    assert {(r["report_type"], r["start_date"], r["end_date"]) for r in second} == {
        (kind, (last - timedelta(days=7)).isoformat(), last.isoformat())
        for kind in ("ai_credit", "detailed")
    }
    assert user_net(db) == sim_reports.user_net_by_day(simulator.enterprise, first, last)
    (rows,) = query(
        db,
        f"select count(*) from {RAW}.copilot_user_usage where usage_date = ?",
        [restated],
    )[0]
    assert rows == len(simulator.enterprise.day_usage(restated).user_usage)


def test_downloads_on_another_host_never_receive_the_token(
    simulator: Simulator, tmp_path: Path
) -> None:
    storage = DownloadHost()
    try:
        simulator.exports.download_host = storage
        simulator.exports.files = 2
        db = tmp_path / "foreign.duckdb"
        load_exports(db, simulator, start_date="2026-07-01")
        assert len(storage.received) == 4  # two reports of two files each
        assert all("Authorization" not in headers for headers in storage.received)
        assert user_net(db) == sim_reports.user_net_by_day(
            simulator.enterprise, date(2026, 7, 1), LAST
        )
        # a download URL on GitHub's own host that redirects to storage: the token stops there
        simulator.exports.redirect = True
        storage.received.clear()
        load_exports(tmp_path / "redirect.duckdb", simulator, start_date="2026-07-01")
        assert [r.status for r in simulator.requests_to(r"/metered_exports/")][-2:] == [302, 302]
        assert len(storage.received) == 4
        assert all("Authorization" not in headers for headers in storage.received)
    finally:
        storage.stop()


def test_a_failed_report_keeps_what_was_loaded_and_the_next_run_catches_up(
    simulator: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "failed.duckdb"
    client = GitHubClient(simulator.base_url, DEMO_TOKEN, simulator.enterprise.slug)

    def run() -> None:
        load(db, client, today="2026-06-12", start_date="2026-05-20")

    real_complete = sim_exports.complete

    def june_fails(sim: Simulator, report: dict) -> None:
        # the AI-credit report that follows May's premium-request report fails
        if report["report_type"] == "ai_credit" and report["start_date"] == "2026-06-01":
            sim.exports.fail_next = 1
        real_complete(sim, report)

    monkeypatch.setattr(sim_exports, "complete", june_fails)
    run()
    notes = " ".join(client.warnings)
    assert "ai_credit usage report" in notes and "failed" in notes and "next run asks" in notes
    loaded = user_net(db)
    assert loaded and max(day for day, _user in loaded) == "2026-05-31"  # May kept, no June
    assert user_net(db) == sim_reports.user_net_by_day(
        simulator.enterprise, date(2026, 5, 20), date(2026, 5, 31)
    )
    monkeypatch.setattr(sim_exports, "complete", real_complete)
    client.notes.clear()
    client.warnings.clear()
    run()  # nothing fails now: the next run continues from the last whole report
    assert user_net(db) == sim_reports.user_net_by_day(
        simulator.enterprise, date(2026, 5, 20), date(2026, 6, 11)
    )
    # the retry re-read May's last week and June: two reports, each POST + 3 polls + 1 file
    assert "copilot_user_usage came from 2 usage-report exports (10 requests)" in " ".join(
        client.notes
    )


def exports_for(sim: Simulator, **kwargs: object) -> tuple[GitHubClient, UsageExports]:
    client = GitHubClient(sim.base_url, DEMO_TOKEN, sim.enterprise.slug)
    return client, UsageExports(client, sleep=lambda _s: None, **kwargs)  # type: ignore[arg-type]


def test_a_report_stuck_in_processing_gets_a_sentence(simulator: Simulator) -> None:
    simulator.exports.stuck = True
    ticks = iter(range(0, 10_000, 60))
    _client, exports = exports_for(simulator, clock=lambda: next(ticks), timeout_seconds=600)
    with pytest.raises(ExportFailed, match=r"still processing after 10 minutes.*next run asks"):
        exports.fetch("ai_credit", date(2026, 11, 1), date(2026, 11, 3))


def test_an_expired_download_link_gets_a_sentence(simulator: Simulator) -> None:
    simulator.exports.expired = True
    _client, exports = exports_for(simulator)
    with pytest.raises(ExportFailed, match=r"download link .* has expired .*new report"):
        exports.fetch("detailed", date(2026, 11, 1), date(2026, 11, 3))


def test_a_report_already_in_progress_is_waited_for_or_adopted(simulator: Simulator) -> None:
    client, exports = exports_for(simulator)
    path = f"/enterprises/{simulator.enterprise.slug}/settings/billing/reports"
    other = client.post_json(path, {"report_type": "summarized", "start_date": "2026-11-01"})
    rows = exports.fetch("ai_credit", date(2026, 11, 1), date(2026, 11, 3))
    assert rows.rows
    assert simulator.reports[other["id"]]["status"] == "completed"  # waited for, not abandoned
    statuses = [r.status for r in simulator.requests_to(r"/settings/billing/reports$")]
    assert statuses[-3:] == [409, 200, 202]  # refused, listed, created after the other one
    # a leftover of the very same report (an earlier run died while it processed) is adopted
    same = client.post_json(
        path, {"report_type": "detailed", "start_date": "2026-11-02", "end_date": "2026-11-03"}
    )
    exports.fetch("detailed", date(2026, 11, 2), date(2026, 11, 3))
    assert simulator.reports[same["id"]]["status"] == "completed"
    assert sum(1 for r in simulator.reports.values() if r["report_type"] == "detailed") == 1


def test_the_simulator_enforces_the_31_day_limit(simulator: Simulator) -> None:
    client, _exports = exports_for(simulator)
    path = f"/enterprises/{simulator.enterprise.slug}/settings/billing/reports"
    with pytest.raises(Exception, match="400"):
        client.post_json(
            path,
            {"report_type": "detailed", "start_date": "2026-10-01", "end_date": "2026-11-01"},
        )


@pytest.mark.parametrize("status", [403, 404])
def test_without_the_export_api_per_user_usage_comes_from_user_queries(
    simulator: Simulator, tmp_path: Path, status: int
) -> None:
    simulator.exports.unavailable = status
    db = tmp_path / "fallback.duckdb"
    client = GitHubClient(simulator.base_url, DEMO_TOKEN, simulator.enterprise.slug)
    first, last = date(2026, 5, 30), date(2026, 6, 2)
    load(db, client, today="2026-06-03", start_date=first.isoformat())
    logins = {g.login for g in simulator.enterprise.seats_today()}
    truth = {
        key: net
        for key, net in sim_reports.user_net_by_day(simulator.enterprise, first, last).items()
        if key[1] in logins
    }
    assert truth and user_net(db) == truth
    assert {
        r[0] for r in query(db, f"select distinct report_type from {RAW}.copilot_user_usage")
    } == {
        "premium_request_api",
        "ai_credit_api",
    }
    user_queries = [r for r in simulator.requests if "user" in r.query]
    assert len(user_queries) == 4 * len(logins)  # days x seat holders
    notes = " ".join(client.notes + client.warnings)
    assert f"({status} on /enterprises/acme-corp/settings/billing/reports)" in notes
    assert f"user= for {len(logins)} seat holders over 4 days" in notes
    assert "detailed_usage was not loaded" in " ".join(client.warnings)
    tables = {r[0] for r in query(db, "select table_name from information_schema.tables")}
    assert "detailed_usage" not in tables


def test_a_download_that_breaks_off_or_an_api_error_stops_only_that_table(
    simulator: Simulator, tmp_path: Path
) -> None:
    _client, exports = exports_for(simulator)
    simulator.inject(Fault(path=r"/metered_exports/", mode="reset", times=5))
    with pytest.raises(ExportFailed, match=r"download of GitHub's detailed usage report .* broke"):
        exports.fetch("detailed", date(2026, 11, 1), date(2026, 11, 3))
    # a persistent 5xx on the export API: the JSON tables still load, the note says what waits
    simulator.inject(Fault(path=r"/settings/billing/reports$", status=503, times=100))
    db = tmp_path / "503.duckdb"
    client = GitHubClient(simulator.base_url, DEMO_TOKEN, simulator.enterprise.slug)
    load(db, client, today=TODAY.isoformat(), start_date="2026-11-20")
    notes = " ".join(client.warnings)
    assert not client.notes
    assert "copilot_user_usage stops before the ai_credit report for 2026-11-20" in notes
    assert "detailed_usage stops before" in notes
    (days,) = query(db, f"select count(distinct usage_date) from {RAW}.usage_items")[0]
    assert days == 5


def test_the_cli_run_summary_says_which_path_was_taken(simulator: Simulator, tmp_path) -> None:
    from tests.test_cli import env_for, run_cli

    simulator.exports.unavailable = 404
    db = tmp_path / "cli.duckdb"
    args = ("run", "--no-build", "--db", str(db), "--today", TODAY.isoformat())
    done = run_cli(*args, "--since", "2026-11-21", env=env_for(simulator))
    assert done.returncode == 0, done.stderr
    assert "note: GitHub's usage-report export API is not available" in done.stdout
    assert "user= for" in done.stdout and "over 4 days" in done.stdout
    assert "warning: GitHub's usage-report export API" in done.stderr
    assert "detailed_usage was not loaded" in done.stderr
    status = run_cli("status", "--db", str(db), env={})
    assert "detailed_usage was not loaded" in status.stdout


def test_export_requests_do_not_grow_with_the_number_of_seat_holders(tmp_path: Path) -> None:
    """Per-user usage costs a constant number of requests per 31 days: 10 seat holders or 120,
    the same reports, polls and downloads."""
    counts = []
    for holders in (10, 120):
        size = EnterpriseSize(orgs=2, repos=3, seat_holders=holders, cost_centers=1, days=70)
        with Simulator(make_enterprise(size)) as sim:
            load_exports(
                tmp_path / f"{holders}.duckdb",
                sim,
                start_date=sim.enterprise.first_day.isoformat(),
                today=TODAY.isoformat(),
            )
            exports = [r for r in sim.requests if "/settings/billing/reports" in r.path]
            exports += sim.requests_to(r"/metered_exports/")
            [(users,)] = query(
                tmp_path / f"{holders}.duckdb",
                f"select count(distinct username) from {RAW}.copilot_user_usage",
            )
            counts.append((len(exports), users))
    (few_requests, few_users), (many_requests, many_users) = counts
    assert many_users > 5 * few_users
    assert few_requests == many_requests > 0


@pytest.mark.parametrize("dialect", csv_dialects.NAMES)
def test_exports_load_in_every_csv_dialect_github_has_written(tmp_path: Path, dialect: str) -> None:
    """An enterprise's seed picks how its reports are written (column names of each era, SKU
    and unit spellings, slash dates, `Unlimited`, BOM / CRLF / quoting): the same numbers land."""
    seed = next(s for s in range(100) if csv_dialects.dialect_for_seed(s).name == dialect)
    first, last = date(2026, 5, 29), date(2026, 6, 2)
    with Simulator(make_enterprise(seed=seed)) as sim:
        db = tmp_path / f"{dialect}.duckdb"
        load_exports(db, sim, start_date=first.isoformat(), today="2026-06-03")
        assert user_net(db) == sim_reports.user_net_by_day(sim.enterprise, first, last)
    assert days_where_detailed_differs_from_usage(db) == 0
    labels = query(
        db,
        f"select usage_date >= '2026-06-01', report_type, sku, unit_type, "
        f"count(total_monthly_quota_raw), count(total_monthly_quota), count(input_tokens) "
        f"from {RAW}.copilot_user_usage group by all order by all",
    )
    credits = "copilot_ai_unit" if dialect == "preview_2026" else "copilot_ai_credits"
    assert [row[:4] for row in labels] == [
        (False, "premium_request", "copilot_premium_request", "requests"),
        (True, "ai_credit", credits, "ai_credits"),
    ]
    (_may, *_labels, quotas_raw, quotas, tokens), (_june, *_, june_tokens) = labels
    # `Unlimited` is a quota of its own: kept as written, no number
    assert quotas_raw > 0 and quotas == (0 if dialect == "enhanced_2025" else quotas_raw)
    assert (tokens > 0) == (dialect == "preview_2026")
    assert (june_tokens > 0) == (dialect in ("preview_2026", "enhanced_2026"))
    names = query(db, f"select count(workflow_name) from {RAW}.detailed_usage")
    assert (names[0][0] > 0) == (dialect == "enhanced_2025")
