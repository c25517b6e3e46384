"""The HTTP face of the simulator: GitHub's billing REST paths, headers, errors and rate limits.

Follows `shared/reference/github-openapi-billing.json` and the live quirks in the notes beside it:
camelCase payloads, `/usage` returning only no-cost-center usage unless `cost_center_id` is given,
`Link` pagination on seats, `X-OAuth-Scopes`, `x-ratelimit-*`, and GitHub's error bodies.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from pipelines.simulator.enterprise import (
    AI_CREDITS_START,
    NO_COST_CENTER,
    Enterprise,
    Grant,
)
from pipelines.simulator.reports import MAX_DAYS, report_files

DOCS = "https://docs.github.com/enterprise-cloud@latest/rest"
DEMO_TOKEN = "ghp_" + "demo" * 9  # a classic-PAT-shaped token the simulator accepts
API_VERSIONS = ("2022-11-28", "2026-03-10")
BILLING_SCOPES = ("manage_billing:enterprise", "admin:enterprise")
SEAT_SCOPES = ("manage_billing:copilot", "read:enterprise", "admin:enterprise")


class _Encoder(json.JSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, Decimal):
            # Decimals with <= 15 significant digits survive float's shortest repr unchanged,
            # so the JSON text carries exactly the generated amount.
            return float(o)
        if isinstance(o, date):
            return o.isoformat()
        return super().default(o)


@dataclass
class Fault:
    """A scripted misbehaviour: the next `times` requests whose path matches `path` get it."""

    path: str
    status: int = 500
    times: int = 1
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    mode: str = "status"  # status | slow | truncate | reset | mutate
    delay: float = 0.0
    mutate: Callable[[Any], Any] | None = None
    query: dict[str, str] | None = None  # only requests with these query values
    headers_fn: Callable[[], dict[str, str]] | None = None  # headers computed when served


@dataclass
class TokenInfo:
    scopes: tuple[str, ...] = ("admin:enterprise",)
    revoked: bool = False
    user_id: int = 1


@dataclass
class RateLimit:
    """GitHub's primary limit: `limit` requests per `window_seconds` of `clock` time. The
    benchmark passes a compressed clock so an hour's budget and reset pass in seconds."""

    limit: int = 5000
    window_seconds: float = 3600.0
    used: int = 0
    reset_at: float = 0.0
    enforce: bool = True
    clock: Callable[[], float] = time.time


@dataclass
class ExportBehaviour:
    """How the usage-report export API behaves; tests change it to exercise failures."""

    processing_polls: int = 2  # GETs that still answer `processing` before the report is ready
    files: int = 1  # download URLs per completed report
    fail_next: int = 0  # the next N reports end `failed`
    stuck: bool = False  # reports never leave `processing`
    expired: bool = False  # download links answer as expired
    download_host: DownloadHost | None = None  # serve files from another host (signed URLs)
    redirect: bool = False  # our own download URL redirects to download_host
    unavailable: int | None = None  # 403 or 404: the export API is not offered to this account


class DownloadHost:
    """A second HTTP server (another port, so another host) serving report files the way a
    storage service serves signed URLs: no authentication, and it logs what it received."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.files: dict[str, bytes] = {}
        self.expired = False
        self.received: list[dict[str, str]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                owner.received.append({k: v for k, v in self.headers.items()})
                body = owner.files.get(urlsplit(self.path).path)
                status = 200
                if body is None or owner.expired:
                    status, body = (
                        403,
                        b"<Error><Code>AccessDenied</Code>Request has expired</Error>",
                    )
                self.send_response(status)
                self.send_header("Content-Type", "text/csv" if status == 200 else "application/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._server = ThreadingHTTPServer((host, 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@dataclass
class LoggedRequest:
    method: str
    path: str
    query: dict[str, str]
    status: int


class Simulator:
    """Serves one generated enterprise on 127.0.0.1. Use as a context manager in tests."""

    def __init__(
        self,
        enterprise: Enterprise | None = None,
        tokens: dict[str, TokenInfo] | None = None,
        rate_limit: RateLimit | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        latency: float = 0.0,
    ) -> None:
        self.enterprise = enterprise or Enterprise()
        # seconds added to every API answer, as GitHub's network and servers add ~0.3-0.5 s
        # (the benchmark's parallel figure needs a latency to hide; localhost has none)
        self.latency = latency
        # API requests being answered right now, and the most there ever were at once
        self.in_flight = 0
        self.max_in_flight = 0
        self.tokens = tokens if tokens is not None else {DEMO_TOKEN: TokenInfo()}
        self.rate_limit = rate_limit or RateLimit()
        self.faults: list[Fault] = []
        self.requests: list[LoggedRequest] = []
        self.reports: dict[str, dict[str, Any]] = {}
        self.exports = ExportBehaviour()
        self.downloads: dict[str, list[bytes]] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, port), _handler_for(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> Simulator:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- test helpers -------------------------------------------------------------------------
    def inject(self, fault: Fault) -> None:
        with self._lock:
            self.faults.append(fault)

    def requests_to(self, pattern: str) -> list[LoggedRequest]:
        return [r for r in self.requests if re.search(pattern, r.path)]

    def clear_requests(self) -> None:
        with self._lock:
            self.requests.clear()

    @contextlib.contextmanager
    def answering(self, counted: bool = True) -> Iterator[None]:
        """Around one API answer (before its bytes are written, so a client that sends its next
        request as soon as it has read one never makes two look concurrent): counts the
        answers in flight and adds `latency`."""
        if not counted:
            yield
            return
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.latency:
                time.sleep(self.latency)
            yield
        finally:
            with self._lock:
                self.in_flight -= 1

    def _take_fault(self, path: str, query: dict[str, str]) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                wanted = fault.query or {}
                if any(query.get(k) != v for k, v in wanted.items()):
                    continue
                if fault.times > 0 and re.search(fault.path, path):
                    fault.times -= 1
                    if fault.times == 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def _count_request(self, token: str) -> tuple[bool, dict[str, str]]:
        """Charge one request to the token's primary budget; False when it is exhausted."""
        rl = self.rate_limit
        with self._lock:
            now = rl.clock()
            if now >= rl.reset_at:
                rl.used, rl.reset_at = 0, now + rl.window_seconds
            allowed = not rl.enforce or rl.used < rl.limit
            if allowed:
                rl.used += 1
            headers = {
                "x-ratelimit-limit": str(rl.limit),
                "x-ratelimit-remaining": str(max(0, rl.limit - rl.used)),
                "x-ratelimit-used": str(rl.used),
                "x-ratelimit-reset": str(int(rl.reset_at)),
                "x-ratelimit-resource": "core",
            }
        return allowed, headers


Response = tuple[int, Any, dict[str, str]]


def _error(status: int, message: str, **extra: str) -> Response:
    body = {"message": message, "documentation_url": DOCS, "status": str(status)}
    return status, body, dict(extra)


def _handler_for(sim: Simulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # One buffered write per response and no Nagle: keep-alive clients would otherwise
        # wait ~40 ms per request on delayed ACKs.
        wbufsize = 1 << 16
        disable_nagle_algorithm = True
        server_version = "GitHub.com"
        sys_version = ""

        def log_message(self, format: str, *args: Any) -> None:
            return  # quiet: tests and the demo read the request log instead

        def do_GET(self) -> None:
            self._dispatch("GET")

        def do_POST(self) -> None:
            self._dispatch("POST")

        def _dispatch(self, method: str) -> None:
            parts = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}") if length else {}
            with sim.answering(counted=not parts.path.startswith("/_sim")):
                status, payload, headers = _route(sim, self, method, parts.path, query, body)
            fault = (
                sim._take_fault(parts.path, query) if not parts.path.startswith("/_sim") else None
            )
            served = fault.status if fault and fault.mode == "status" else status
            with sim._lock:
                sim.requests.append(LoggedRequest(method, parts.path, query, served))
            self._send(status, payload, headers, fault)

        def _send(
            self, status: int, payload: Any, headers: dict[str, str], fault: Fault | None
        ) -> None:
            if fault and fault.mode == "status":
                status = fault.status
                payload = (
                    fault.body if fault.body is not None else _error(status, "Server Error")[1]
                )
                headers = {**headers, **fault.headers}
                if fault.headers_fn:
                    headers.update(fault.headers_fn())
            if fault and fault.mode == "mutate" and fault.mutate:
                payload = fault.mutate(payload)
            if fault and fault.mode == "slow":
                time.sleep(fault.delay)
            raw = (
                payload
                if isinstance(payload, bytes)
                else json.dumps(payload, cls=_Encoder, separators=(",", ":")).encode()
            )
            declared = len(raw)
            if fault and fault.mode == "truncate":
                raw = raw[: max(1, len(raw) // 2)]
                declared = len(raw)
            self.send_response(status)
            content_type = headers.pop("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(declared))
            self.send_header("X-GitHub-Request-Id", uuid.uuid4().hex[:16].upper())
            self.send_header("X-GitHub-Media-Type", "github.v3; format=json")
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            if fault and fault.mode == "reset":
                self.wfile.write(raw[: len(raw) // 3])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(2)
                return
            self.wfile.write(raw)

    return Handler


def _route(
    sim: Simulator,
    req: BaseHTTPRequestHandler,
    method: str,
    path: str,
    query: dict[str, str],
    body: dict[str, Any],
) -> Response:
    ent = sim.enterprise
    if path == "/_simulator/ground-truth":
        return 200, ent.ground_truth(), {}
    if not req.headers.get("User-Agent"):
        return _error(
            403,
            "Request forbidden by administrative rules. "
            "Please make sure your request has a User-Agent header",
        )
    version = req.headers.get("X-GitHub-Api-Version")
    if version and version not in API_VERSIONS:
        return _error(400, f"Invalid API version: {version}")

    auth = req.headers.get("Authorization", "")
    token = auth.split(" ", 1)[1].strip() if " " in auth else ""
    if not token:
        return _error(401, "Requires authentication")
    info = sim.tokens.get(token)
    if info is None or info.revoked:
        return _error(401, "Bad credentials")

    headers: dict[str, str] = {"X-GitHub-Api-Version-Selected": version or API_VERSIONS[0]}
    fine_grained = token.startswith("github_pat_")
    if not fine_grained:
        headers["X-OAuth-Scopes"] = ", ".join(info.scopes)

    if path == "/rate_limit":
        rl = sim.rate_limit
        core = {
            "limit": rl.limit,
            "used": rl.used,
            "remaining": max(0, rl.limit - rl.used),
            "reset": int(rl.reset_at or rl.clock() + rl.window_seconds),
        }
        return 200, {"resources": {"core": core}, "rate": core}, headers

    allowed, rl_headers = sim._count_request(token)
    headers.update(rl_headers)
    if not allowed:
        status, payload, _ = _error(
            403,
            f"API rate limit exceeded for user ID {info.user_id}. If you reach out to GitHub "
            "Support for help, please include the request ID.",
        )
        return status, payload, headers

    match = re.fullmatch(r"/enterprises/([^/]+)(/.*)", path)
    if not match:
        return (*_error(404, "Not Found")[:2], headers)
    slug, rest = match.groups()
    if slug.lower() != ent.slug.lower():
        return (*_error(404, "Not Found")[:2], headers)

    is_seats = rest.startswith("/copilot/")
    if fine_grained:
        status, payload, _ = _error(403, "Resource not accessible by personal access token")
        return status, payload, headers
    needed = SEAT_SCOPES if is_seats else BILLING_SCOPES
    if not set(needed) & set(info.scopes):
        status, payload, _ = _error(
            403,
            "You must be an enterprise admin or billing manager and use a token with the "
            f"{needed[0]} scope.",
        )
        headers["X-Accepted-OAuth-Scopes"] = ", ".join(needed)
        return status, payload, headers

    download = re.fullmatch(r"/metered_exports/([0-9a-f-]{36})/(\d+)\.csv", rest)
    if download and method == "GET":
        status, payload, extra = _download(sim, req, download.group(1), int(download.group(2)))
        return status, payload, {**headers, **extra}
    handler = _ROUTES.get((method, re.sub(r"/[0-9a-f-]{36}$", "/{id}", rest)))
    if handler is None:
        return (*_error(404, "Not Found")[:2], headers)
    try:
        status, payload, extra = handler(sim, req, rest, query, body)
    except _BadRequest as exc:
        return (*_error(400, str(exc))[:2], headers)
    return status, payload, {**headers, **extra}


class _BadRequest(ValueError):
    pass


def _int_param(query: dict[str, str], name: str, lo: int, hi: int) -> int | None:
    if name not in query:
        return None
    try:
        value = int(query[name])
    except ValueError as exc:
        raise _BadRequest(f"Invalid {name}: {query[name]}") from exc
    if not lo <= value <= hi:
        raise _BadRequest(f"Invalid {name}: {value}")
    return value


def _period_days(sim: Simulator, query: dict[str, str], default_month: bool) -> list[date]:
    today = sim.enterprise.today
    year = _int_param(query, "year", 1970, 9999) or today.year
    month = _int_param(query, "month", 1, 12)
    day = _int_param(query, "day", 1, 31)
    if month is None and (default_month or day is not None):
        month = today.month
    if month is None:
        start, end = date(year, 1, 1), date(year, 12, 31)
    elif day is None:
        start = date(year, month, 1)
        end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    else:
        try:
            start = end = date(year, month, day)
        except ValueError as exc:
            raise _BadRequest(f"Invalid day: {day}") from exc
    # Only the past 24 months are served; older periods come back empty, as GitHub does.
    oldest = date(today.year - 2, today.month, 1)
    start = max(start, oldest, sim.enterprise.first_day)
    end = min(end, sim.enterprise.last_day)
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def _usage(sim: Simulator, req: Any, rest: str, query: dict[str, str], body: Any) -> Response:
    partition = query.get("cost_center_id") or NO_COST_CENTER
    items: list[dict[str, Any]] = []
    for day in _period_days(sim, query, default_month=False):
        items.extend(sim.enterprise.day_usage(day).items_by_partition.get(partition, []))
    return 200, {"usageItems": items}, {}


def _cost_center_ref(sim: Simulator, cc_id: str | None) -> dict[str, str] | None:
    if not cc_id:
        return None
    if cc_id == NO_COST_CENTER:
        return {"id": NO_COST_CENTER, "name": "No cost center"}
    cc = sim.enterprise.cost_center_by_id(cc_id)
    return {"id": cc.id, "name": cc.name} if cc else None


def _time_period(query: dict[str, str], sim: Simulator) -> dict[str, int]:
    period = {"year": int(query.get("year") or sim.enterprise.today.year)}
    period["month"] = int(query.get("month") or sim.enterprise.today.month)
    if "day" in query:
        period["day"] = int(query["day"])
    return period


def _model_usage(sku_prefix: str) -> Callable[..., Response]:
    def handler(sim: Simulator, req: Any, rest: str, query: dict[str, str], body: Any) -> Response:
        partition = query.get("cost_center_id") or None
        merged: dict[tuple, dict[str, Any]] = {}
        for day in _period_days(sim, query, default_month=True):
            usage = sim.enterprise.day_usage(day)
            items = (
                usage.user_model_items(query["user"], partition, sku_prefix)
                if query.get("user")
                else usage.model_items(partition, sku_prefix)
            )
            for item in items:
                if query.get("model") and item["model"].lower() != query["model"].lower():
                    continue
                key = (item["model"], item["sku"], item["unitType"], item["pricePerUnit"])
                if key not in merged:
                    merged[key] = dict(item)
                else:
                    for name in (
                        "grossQuantity",
                        "grossAmount",
                        "discountQuantity",
                        "discountAmount",
                        "netQuantity",
                        "netAmount",
                    ):
                        merged[key][name] += item[name]
        payload: dict[str, Any] = {
            "timePeriod": _time_period(query, sim),
            "enterprise": sim.enterprise.slug,
            "usageItems": list(merged.values()),
        }
        ref = _cost_center_ref(sim, partition)
        if ref:
            payload["costCenter"] = ref
        return 200, payload, {}

    return handler


def _summary(sim: Simulator, req: Any, rest: str, query: dict[str, str], body: Any) -> Response:
    partition = query.get("cost_center_id")
    merged: dict[tuple, dict[str, Any]] = {}
    for day in _period_days(sim, query, default_month=True):
        by_partition = sim.enterprise.day_usage(day).items_by_partition
        for part, items in by_partition.items():
            if partition and part != partition:
                continue
            for item in items:
                key = (
                    item["product"].lower(),
                    item["sku"],
                    item["unitType"].lower(),
                    item["pricePerUnit"],
                )
                slot = merged.setdefault(
                    key,
                    {
                        "product": item["product"],
                        "sku": item["sku"],
                        "unitType": item["unitType"],
                        "pricePerUnit": item["pricePerUnit"],
                        "grossQuantity": Decimal(0),
                        "grossAmount": Decimal(0),
                        "discountQuantity": Decimal(0),
                        "discountAmount": Decimal(0),
                        "netQuantity": Decimal(0),
                        "netAmount": Decimal(0),
                    },
                )
                slot["grossQuantity"] += item["quantity"]
                slot["grossAmount"] += item["grossAmount"]
                slot["discountAmount"] += item["discountAmount"]
                slot["netAmount"] += item["netAmount"]
                if item["discountAmount"]:
                    slot["discountQuantity"] += item["quantity"]
                else:
                    slot["netQuantity"] += item["quantity"]
    payload: dict[str, Any] = {
        "timePeriod": _time_period(query, sim),
        "enterprise": sim.enterprise.slug,
        "usageItems": list(merged.values()),
    }
    ref = _cost_center_ref(sim, partition)
    if ref:
        payload["costCenter"] = ref
    return 200, payload, {}


def _cost_center_json(sim: Simulator, cc: Any) -> dict[str, Any]:
    deleted = cc.deleted_on is not None and cc.deleted_on <= sim.enterprise.today
    return {
        "id": cc.id,
        "name": cc.name,
        "state": "deleted" if deleted else "active",
        "azure_subscription": None,
        "ai_credit_pool_enabled": False,
        "ai_credit_pool_state": {"target_amount": None, "current_amount": None},
        # GitHub lists no members for a deleted cost center
        "resources": [] if deleted else [{"type": k, "name": n} for k, n in cc.resources],
    }


def _cost_centers(
    sim: Simulator, req: Any, rest: str, query: dict[str, str], body: Any
) -> Response:
    state = query.get("state")
    if state not in (None, "active", "deleted"):
        raise _BadRequest(f"Invalid state: {state}")
    centers = [_cost_center_json(sim, cc) for cc in sim.enterprise.cost_centers]
    if state:
        centers = [c for c in centers if c["state"] == state]
    return 200, {"costCenters": centers}, {}


def _cost_center(sim: Simulator, req: Any, rest: str, query: dict[str, str], body: Any) -> Response:
    cc = sim.enterprise.cost_center_by_id(rest.rsplit("/", 1)[1])
    if cc is None:
        return _error(404, "Not Found")
    return 200, _cost_center_json(sim, cc), {}


def _user_json(login: str, user_id: int) -> dict[str, Any]:
    url = f"https://api.github.com/users/{login}"
    return {
        "login": login,
        "id": user_id,
        "node_id": f"MDQ6VXNlcj{user_id}",
        "avatar_url": f"https://avatars.githubusercontent.com/u/{user_id}?v=4",
        "gravatar_id": "",
        "url": url,
        "html_url": f"https://github.com/{login}",
        "followers_url": f"{url}/followers",
        "following_url": f"{url}/following{{/other_user}}",
        "gists_url": f"{url}/gists{{/gist_id}}",
        "starred_url": f"{url}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{url}/subscriptions",
        "organizations_url": f"{url}/orgs",
        "repos_url": f"{url}/repos",
        "events_url": f"{url}/events{{/privacy}}",
        "received_events_url": f"{url}/received_events",
        "type": "User",
        "site_admin": False,
    }


def _org_json(login: str, org_id: int) -> dict[str, Any]:
    url = f"https://api.github.com/orgs/{login}"
    return {
        "login": login,
        "id": org_id,
        "node_id": f"MDEyOk9yZ2FuaXphdGlvbj{org_id}",
        "url": url,
        "repos_url": f"{url}/repos",
        "events_url": f"{url}/events",
        "hooks_url": f"{url}/hooks",
        "issues_url": f"{url}/issues",
        "members_url": f"{url}/members{{/member}}",
        "public_members_url": f"{url}/public_members{{/member}}",
        "avatar_url": f"https://avatars.githubusercontent.com/u/{org_id}?v=4",
        "description": None,
    }


def _timestamp(day: date, hour: int, offset_hours: int) -> str:
    tz = timezone(timedelta(hours=offset_hours))
    moment = datetime(day.year, day.month, day.day, hour, tzinfo=UTC).astimezone(tz)
    return moment.isoformat()


def _seat_json(sim: Simulator, grant: Grant) -> dict[str, Any]:
    ent = sim.enterprise
    team: dict[str, Any] | None = None
    if grant.team_type == "enterprise-team" and grant.team:
        team = {
            "id": 900 + ent.enterprise_teams.index(grant.team),
            "name": grant.team,
            "slug": grant.team,
            "url": f"https://api.github.com/enterprises/{ent.slug}/teams/{grant.team}",
            "sync_to_organizations": "all",
            "group_id": None,
            "html_url": f"https://github.com/enterprises/{ent.slug}/teams/{grant.team}",
            "members_url": "",
            "created_at": "2024-01-01T00:00:00Z",
            "updated_at": "2024-01-01T00:00:00Z",
            "type": "enterprise-team",
        }
    elif grant.team:
        team = {
            "id": 500 + hash(grant.team) % 100,
            "node_id": "MDQ6VGVhbTE=",
            "name": grant.team,
            "slug": grant.team,
            "description": None,
            "privacy": "closed",
            "notification_setting": "notifications_enabled",
            "permission": "pull",
            "url": f"https://api.github.com/teams/{grant.team}",
            "html_url": f"https://github.com/orgs/{grant.organization}/teams/{grant.team}",
            "members_url": "",
            "repositories_url": "",
            "parent": None,
            "type": "organization",
        }
    last = grant.last_activity_on
    offset = -6 if grant.user_id % 2 else 0  # GitHub's examples carry offsets: parse them
    return {
        "created_at": _timestamp(grant.created_on, 9, offset),
        "updated_at": _timestamp(grant.created_on, 9, offset),
        "pending_cancellation_date": (
            grant.pending_cancellation_date.isoformat() if grant.pending_cancellation_date else None
        ),
        "last_activity_at": _timestamp(last, 15, offset) if last else None,
        "last_activity_editor": "vscode/1.98.0/copilot-chat/0.26.0" if last else None,
        "last_authenticated_at": _timestamp(last, 15, offset) if last else None,
        "plan_type": grant.plan_type,
        "assignee": _user_json(grant.login, grant.user_id),
        "organization": (
            _org_json(grant.organization, 100 + ent.orgs.index(grant.organization))
            if grant.organization
            else None
        ),
        "assigning_team": team,
    }


def _seats(sim: Simulator, req: Any, rest: str, query: dict[str, str], body: Any) -> Response:
    page = _int_param(query, "page", 1, 10**9) or 1
    per_page = min(_int_param(query, "per_page", 1, 10**9) or 50, 100)
    seats = sim.enterprise.seats_today()
    last = max(1, -(-len(seats) // per_page))
    chunk = seats[(page - 1) * per_page : page * per_page]
    host = req.headers.get("Host", "127.0.0.1")
    base = f"http://{host}/enterprises/{sim.enterprise.slug}{rest}"

    def link(n: int, rel: str) -> str:
        return f'<{base}?{urlencode({"per_page": per_page, "page": n})}>; rel="{rel}"'

    links = []
    if page > 1:
        links += [link(page - 1, "prev"), link(1, "first")]
    if page < last:
        links += [link(page + 1, "next"), link(last, "last")]
    headers = {"Link": ", ".join(links)} if links else {}
    total = len({g.login for g in seats})
    return 200, {"total_seats": total, "seats": [_seat_json(sim, g) for g in chunk]}, headers


def _public_report(report: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in report.items() if not k.startswith("_")}


def _create_report(
    sim: Simulator, req: Any, rest: str, query: dict[str, str], body: Any
) -> Response:
    if sim.exports.unavailable:
        return _error(
            sim.exports.unavailable,
            "Not Found"
            if sim.exports.unavailable == 404
            else "You do not have access to usage report exports.",
        )
    report_type = (body or {}).get("report_type")
    if report_type not in MAX_DAYS:
        raise _BadRequest(
            "report_type must be one of detailed, summarized, premium_request, ai_credit"
        )
    try:
        start = date.fromisoformat(str(body.get("start_date")))
        end = date.fromisoformat(str(body.get("end_date") or sim.enterprise.today.isoformat()))
    except ValueError as exc:
        raise _BadRequest(f"Invalid date: {exc}") from None
    if end < start:
        raise _BadRequest("end_date must be on or after start_date")
    if (end - start).days + 1 > MAX_DAYS[report_type]:
        raise _BadRequest(f"A {report_type} report can cover at most {MAX_DAYS[report_type]} days")
    with sim._lock:
        if any(r["status"] == "processing" for r in sim.reports.values()):
            return _error(
                409,
                "A usage report is already being generated for this account. Only one report "
                "can be requested at a time.",
            )
        report_id = str(uuid.UUID(int=len(sim.reports) + 1, version=4))
        report = {
            "id": report_id,
            "report_type": report_type,
            "start_date": start.isoformat(),
            "end_date": end.isoformat(),
            "status": "processing",
            "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "actor": "billing-bot",
            "_polls_left": sim.exports.processing_polls,
            "_host": req.headers.get("Host", "127.0.0.1"),
        }
        sim.reports[report_id] = report
    return 202, _public_report(report), {}


def _list_reports(
    sim: Simulator, req: Any, rest: str, query: dict[str, str], body: Any
) -> Response:
    reports = [_public_report(r) for r in sim.reports.values()]
    return 200, {"usage_report_exports": reports}, {}


def _complete(sim: Simulator, report: dict[str, Any]) -> None:
    behaviour = sim.exports
    if behaviour.fail_next > 0:
        behaviour.fail_next -= 1
        report["status"] = "failed"
        return
    files = report_files(
        sim.enterprise,
        report["report_type"],
        date.fromisoformat(report["start_date"]),
        date.fromisoformat(report["end_date"]),
        behaviour.files,
    )
    sim.downloads[report["id"]] = files
    own = f"http://{report['_host']}/enterprises/{sim.enterprise.slug}/metered_exports"
    urls = []
    for n, content in enumerate(files):
        if behaviour.download_host and not behaviour.redirect:
            path = f"/signed/{report['id']}/{n}.csv"
            behaviour.download_host.files[path] = content
            urls.append(f"{behaviour.download_host.base_url}{path}?X-Amz-Signature=abc")
        else:
            urls.append(f"{own}/{report['id']}/{n}.csv")
    report["status"] = "completed"
    report["download_urls"] = urls


def _get_report(sim: Simulator, req: Any, rest: str, query: dict[str, str], body: Any) -> Response:
    report = sim.reports.get(rest.rsplit("/", 1)[1])
    if report is None:
        return _error(404, "Not Found")
    with sim._lock:
        if report["status"] == "processing" and not sim.exports.stuck:
            report["_polls_left"] -= 1
            if report["_polls_left"] < 0:
                _complete(sim, report)
    return 200, _public_report(report), {}


def _download(sim: Simulator, req: Any, report_id: str, n: int) -> Response:
    files = sim.downloads.get(report_id) or []
    if sim.exports.expired or n >= len(files):
        return _error(404, "Not Found")
    host = sim.exports.download_host
    if sim.exports.redirect and host:
        path = f"/signed/{report_id}/{n}.csv"
        host.files[path] = files[n]
        return 302, b"", {"Location": f"{host.base_url}{path}?X-Amz-Signature=abc"}
    return 200, files[n], {"Content-Type": "text/csv; charset=utf-8"}


_ROUTES: dict[tuple[str, str], Callable[..., Response]] = {
    ("GET", "/settings/billing/usage"): _usage,
    ("GET", "/settings/billing/usage/summary"): _summary,
    ("GET", "/settings/billing/premium_request/usage"): _model_usage("Copilot Premium"),
    ("GET", "/settings/billing/ai_credit/usage"): _model_usage("Copilot AI"),
    ("GET", "/settings/billing/cost-centers"): _cost_centers,
    ("GET", "/settings/billing/cost-centers/{id}"): _cost_center,
    ("GET", "/copilot/billing/seats"): _seats,
    ("POST", "/settings/billing/reports"): _create_report,
    ("GET", "/settings/billing/reports"): _list_reports,
    ("GET", "/settings/billing/reports/{id}"): _get_report,
}

__all__ = [
    "AI_CREDITS_START",
    "DEMO_TOKEN",
    "DownloadHost",
    "ExportBehaviour",
    "Fault",
    "RateLimit",
    "Simulator",
    "TokenInfo",
]
