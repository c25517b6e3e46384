"""The usage-report export API: a report is created (202), polled while `processing`, then
`completed` with download URLs (or `failed`); one report per account at a time. The files are
reports.py's CSVs; `ExportBehaviour` scripts the failures tests need."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from pipelines.simulator.payloads import BadRequest, Response, error
from pipelines.simulator.reports import MAX_DAYS, report_files

if TYPE_CHECKING:
    from pipelines.simulator.server import SimulatedAccount


@dataclass(frozen=True)
class GenerationTime:
    """How long GitHub takes to build a report: a fixed start plus time per day covered and per
    thousand rows written. GitHub publishes no figures; these defaults are assumptions to
    project a backfill's wall time with (`make bench`, P7), and can be set to any other."""

    base_seconds: float = 20.0
    seconds_per_day: float = 0.5
    seconds_per_thousand_rows: float = 0.2

    def seconds(self, days: int, rows: int) -> float:
        return (
            self.base_seconds
            + self.seconds_per_day * days
            + self.seconds_per_thousand_rows * rows / 1000
        )


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
    # With a generation time, a report is ready once built and its modelled time has passed on
    # `clock` (polls no longer count); None: `processing_polls` decides.
    generation: GenerationTime | None = None
    clock: Callable[[], float] = field(default=time.time)


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


def public_report(report: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in report.items() if not k.startswith("_")}


def create_report(
    sim: SimulatedAccount, req: Any, rest: str, query: dict[str, str], body: Any
) -> Response:
    if sim.exports.unavailable:
        return error(
            sim.exports.unavailable,
            "Not Found"
            if sim.exports.unavailable == 404
            else "You do not have access to usage report exports.",
        )
    report_type = (body or {}).get("report_type")
    if report_type not in MAX_DAYS:
        raise BadRequest(
            "report_type must be one of detailed, summarized, premium_request, ai_credit"
        )
    try:
        start = date.fromisoformat(str(body.get("start_date")))
        end = date.fromisoformat(str(body.get("end_date") or sim.enterprise.today.isoformat()))
    except ValueError as exc:
        raise BadRequest(f"Invalid date: {exc}") from None
    if end < start:
        raise BadRequest("end_date must be on or after start_date")
    if (end - start).days + 1 > MAX_DAYS[report_type]:
        raise BadRequest(f"A {report_type} report can cover at most {MAX_DAYS[report_type]} days")
    with sim.lock:
        if any(r["status"] == "processing" for r in sim.reports.values()):
            return error(
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
            "_created_clock": sim.exports.clock(),
            "_host": req.headers.get("Host", "127.0.0.1"),
        }
        sim.reports[report_id] = report
    if sim.exports.generation is not None:
        report["_built"] = threading.Event()
        threading.Thread(target=_build, args=(sim, report), daemon=True).start()
    return 202, public_report(report), {}


def _build(sim: SimulatedAccount, report: dict[str, Any]) -> None:
    """Write a report's files in the background, as GitHub does, and note when it is ready."""
    start, end = date.fromisoformat(report["start_date"]), date.fromisoformat(report["end_date"])
    files = report_files(sim.enterprise, report["report_type"], start, end, sim.exports.files)
    rows = sum(max(0, content.count(b"\n") - 1) for content in files)
    generation = sim.exports.generation
    assert generation is not None
    seconds = generation.seconds((end - start).days + 1, rows)
    with sim.lock:
        report["_files"] = files
        report["_rows"] = rows
        report["_generation_seconds"] = seconds
        report["_ready_at"] = report["_created_clock"] + seconds
    report["_built"].set()


def list_reports(
    sim: SimulatedAccount, req: Any, rest: str, query: dict[str, str], body: Any
) -> Response:
    reports = [public_report(r) for r in sim.reports.values()]
    return 200, {"usage_report_exports": reports}, {}


def wait_for_builds(sim: SimulatedAccount) -> None:
    """Until every report being written has its files: a virtual clock (`make bench`, P7)
    calls it before the client's next poll, so the simulator's own cost of writing CSVs never
    shows as GitHub's generation time or as extra polls."""
    for report in list(sim.reports.values()):
        built = report.get("_built")
        if built is not None:
            built.wait()


def complete(sim: SimulatedAccount, report: dict[str, Any]) -> None:
    behaviour = sim.exports
    if behaviour.fail_next > 0:
        behaviour.fail_next -= 1
        report["status"] = "failed"
        return
    files = report.pop("_files", None) or report_files(
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


def get_report(
    sim: SimulatedAccount, req: Any, rest: str, query: dict[str, str], body: Any
) -> Response:
    report = sim.reports.get(rest.rsplit("/", 1)[1])
    if report is None:
        return error(404, "Not Found")
    with sim.lock:
        if report["status"] == "processing" and not sim.exports.stuck:
            report["_polls_left"] -= 1
            if sim.exports.generation is not None:
                ready = report.get("_ready_at")
                if ready is not None and sim.exports.clock() >= ready:
                    complete(sim, report)
            elif report["_polls_left"] < 0:
                complete(sim, report)
    return 200, public_report(report), {}


def download(sim: SimulatedAccount, report_id: str, n: int) -> Response:
    files = sim.downloads.get(report_id) or []
    if sim.exports.expired or n >= len(files):
        return error(404, "Not Found")
    host = sim.exports.download_host
    if sim.exports.redirect and host:
        path = f"/signed/{report_id}/{n}.csv"
        host.files[path] = files[n]
        return 302, b"", {"Location": f"{host.base_url}{path}?X-Amz-Signature=abc"}
    return 200, files[n], {"Content-Type": "text/csv; charset=utf-8"}
