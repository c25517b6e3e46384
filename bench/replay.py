"""Recorded /usage payloads: a client that saves them during a run, and one that replays them.

P1 and P4 time the pipeline from API payloads to raw tables, so they replay bodies recorded from
the simulator instead of regenerating them: the simulator's cost is not the pipeline's.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from dlt.sources import DltSource

from pipelines.github_billing.client import GitHubClient, loads_exact
from pipelines.github_billing.settings import COST_CENTERS_PATH, NO_COST_CENTER, USAGE_PATH

MANIFEST = "manifest.jsonl"
COST_CENTERS = "cost_centers.json"


def _day(params: dict[str, Any]) -> date:
    return date(int(params["year"]), int(params["month"]), int(params["day"]))


class RecordingClient(GitHubClient):
    """A real client that also writes every /usage body to `folder` (one file per response)."""

    def __init__(self, folder: Path, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self._manifest = (folder / MANIFEST).open("w")
        self._centers: dict[str, Any] = {}

    def get_bytes(self, path: str, params: dict[str, Any] | None = None) -> bytes:
        body = super().get_bytes(path, params)
        if path == self.path(USAGE_PATH) and params:
            cc = str(params.get("cost_center_id") or NO_COST_CENTER)
            name = f"{_day(params).isoformat()}_{cc}.json"
            (self.folder / name).write_bytes(body)
            entry = {"file": name, "day": _day(params).isoformat(), "cc": cc, "bytes": len(body)}
            self._manifest.write(json.dumps(entry) + "\n")
            self._manifest.flush()
        return body

    def get_json(self, path: str, params: dict[str, Any] | None = None) -> Any:
        payload = super().get_json(path, params)
        if path == self.path(COST_CENTERS_PATH) and params:
            self._centers[str(params.get("state"))] = json.loads(
                json.dumps(payload, default=str)  # Decimals as text; ids and names are all we need
            )
            (self.folder / COST_CENTERS).write_text(json.dumps(self._centers))
        return payload


def read_manifest(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (folder / MANIFEST).read_text().splitlines() if line]


class ReplayClient(GitHubClient):
    """Serves recorded bodies without HTTP. Days past the recording repeat it cyclically with
    their dates rewritten, so P4 can replay ten times the rows without regenerating any."""

    def __init__(self, folder: Path, enterprise: str) -> None:
        super().__init__("http://replay.invalid", "ghp_replay", enterprise)
        self.folder = folder
        self.entries = {(e["day"], e["cc"]): e["file"] for e in read_manifest(folder)}
        self.days = sorted({date.fromisoformat(d) for d, _ in self.entries})
        self.centers = json.loads((folder / COST_CENTERS).read_text())
        self.bytes_served = 0

    def get_json(self, path: str, params: dict[str, Any] | None = None) -> Any:
        if path == self.path(COST_CENTERS_PATH) and params:
            self.requests_made += 1
            return self.centers.get(str(params.get("state")), {"costCenters": []})
        raise AssertionError(f"replay has no {path}")

    def get_bytes(self, path: str, params: dict[str, Any] | None = None) -> bytes:
        assert params is not None and path == self.path(USAGE_PATH)
        self.requests_made += 1
        wanted = _day(params)
        offset = (wanted - self.days[0]).days % len(self.days)
        recorded = self.days[0] + timedelta(days=offset)
        cc = str(params.get("cost_center_id") or NO_COST_CENTER)
        name = self.entries.get((recorded.isoformat(), cc))
        if name is None:
            return b'{"usageItems":[]}'
        body = (self.folder / name).read_bytes()
        if recorded != wanted:
            body = body.replace(
                f'"{recorded.isoformat()}'.encode(), f'"{wanted.isoformat()}'.encode()
            )
        self.bytes_served += len(body)
        return body

    def decode(self, content: bytes, path: str, status: int | None = 200) -> Any:
        return loads_exact(content)


def replay_source(client: ReplayClient, **source_args: Any) -> DltSource:
    """The pipeline's `usage_items` source fed by recorded payloads, with `source_args`."""
    from pipelines.github_billing import github_billing

    return github_billing(
        enterprise=client.enterprise,
        access_token="ghp_replay",
        client=client,
        **source_args,
    ).with_resources("usage_items")
