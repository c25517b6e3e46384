"""The simulator as an HTTP server: a local GitHub billing API that behaves like the real one.

This module is the plumbing: the server's lifecycle, the request log, and scripted faults
applied to the bytes on the wire. What GitHub checks before routing is gate.py, which answer a
path gets is routes.py, the JSON bodies are payloads.py, the report exports are exports.py.
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
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from pipelines.simulator.enterprise import Enterprise
from pipelines.simulator.exports import DownloadHost, ExportBehaviour
from pipelines.simulator.gate import DEMO_TOKEN, RateLimit, TokenInfo
from pipelines.simulator.payloads import encode, error
from pipelines.simulator.routes import route


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
class LoggedRequest:
    method: str
    path: str
    query: dict[str, str]
    status: int


class SimulatedAccount:
    """One billing account as the simulator serves it: its generated enterprise (or
    organization), the tokens that administer it, their rate limit, the request log, scripted
    faults and report exports. `Simulator` serves one on its own port; `MultiAccountSimulator`
    serves several behind one."""

    def __init__(
        self,
        enterprise: Enterprise | None = None,
        tokens: dict[str, TokenInfo] | None = None,
        rate_limit: RateLimit | None = None,
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
        self.lock = threading.Lock()
        # the other accounts on the same GitHub host (`MultiAccountSimulator` sets them)
        self.neighbours: list[SimulatedAccount] = []

    def neighbour_tokens(self) -> frozenset[str]:
        """Tokens of the other accounts on the same host: real users there, not this one's."""
        return frozenset(token for other in self.neighbours for token in other.tokens)

    # -- test helpers -------------------------------------------------------------------------
    def inject(self, fault: Fault) -> None:
        with self.lock:
            self.faults.append(fault)

    def requests_to(self, pattern: str) -> list[LoggedRequest]:
        return [r for r in self.requests if re.search(pattern, r.path)]

    def clear_requests(self) -> None:
        with self.lock:
            self.requests.clear()

    @contextlib.contextmanager
    def answering(self, counted: bool = True) -> Iterator[None]:
        """Around one API answer (before its bytes are written, so a client that sends its next
        request as soon as it has read one never makes two look concurrent): counts the
        answers in flight and adds `latency`."""
        if not counted:
            yield
            return
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.latency:
                time.sleep(self.latency)
            yield
        finally:
            with self.lock:
                self.in_flight -= 1

    def take_fault(self, path: str, query: dict[str, str]) -> Fault | None:
        with self.lock:
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


class Simulator(SimulatedAccount):
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
        super().__init__(enterprise, tokens, rate_limit, latency)
        self._http = HttpServer(lambda _host, _path, _token: self, host, port)

    @property
    def base_url(self) -> str:
        return self._http.base_url

    def start(self) -> Simulator:
        self._http.start()
        return self

    def serve_forever(self) -> None:
        self._http.serve_forever()

    def stop(self) -> None:
        self._http.stop()

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# Which account answers a request: (host, path, token) -> the account, or None for no account
Resolver = Callable[[str, str, str], SimulatedAccount | None]


class HttpServer:
    """The HTTP plumbing: a threaded server on 127.0.0.1 whose requests `resolve` hands to an
    account. Requests may arrive in origin form (`GET /path`, the account named by Host) or in
    absolute form (`GET http://api.acme.ghe.com/path`), as clients send them through an HTTP
    proxy: that is how a GHE.com host name reaches 127.0.0.1 without DNS."""

    def __init__(self, resolve: Resolver, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = ThreadingHTTPServer((host, port), _handler_for(resolve))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> None:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler_for(resolve: Resolver) -> type[BaseHTTPRequestHandler]:
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
            host = parts.hostname or urlsplit(f"//{self.headers.get('Host', '')}").hostname
            auth = self.headers.get("Authorization", "")
            token = auth.split(" ", 1)[1].strip() if " " in auth else ""
            sim = resolve((host or "").lower(), parts.path, token)
            if sim is None:
                self._send(*error(404, "Not Found"), None)
                return
            with sim.answering(counted=not parts.path.startswith("/_sim")):
                status, payload, headers = route(sim, self, method, parts.path, query, body)
            fault = (
                sim.take_fault(parts.path, query) if not parts.path.startswith("/_sim") else None
            )
            served = fault.status if fault and fault.mode == "status" else status
            with sim.lock:
                sim.requests.append(LoggedRequest(method, parts.path, query, served))
            self._send(status, payload, headers, fault)

        def _send(
            self, status: int, payload: Any, headers: dict[str, str], fault: Fault | None
        ) -> None:
            if fault and fault.mode == "status":
                status = fault.status
                payload = fault.body if fault.body is not None else error(status, "Server Error")[1]
                headers = {**headers, **fault.headers}
                if fault.headers_fn:
                    headers.update(fault.headers_fn())
            if fault and fault.mode == "mutate" and fault.mutate:
                payload = fault.mutate(payload)
            if fault and fault.mode == "slow":
                time.sleep(fault.delay)
            raw = payload if isinstance(payload, bytes) else encode(payload)
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


__all__ = [
    "DEMO_TOKEN",
    "DownloadHost",
    "ExportBehaviour",
    "Fault",
    "RateLimit",
    "SimulatedAccount",
    "Simulator",
    "TokenInfo",
]
