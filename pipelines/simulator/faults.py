"""Ready-made misbehaviours of GitHub's API, for tests and `github-billing simulate --fault`."""

from __future__ import annotations

import time
from typing import Any

from pipelines.simulator.payloads import DOCS
from pipelines.simulator.server import Fault


def _body(status: int, message: str) -> dict[str, str]:
    return {"message": message, "documentation_url": DOCS, "status": str(status)}


def secondary_rate_limit(
    path: str, status: int = 403, retry_after: int = 1, times: int = 1
) -> Fault:
    return Fault(
        path,
        status=status,
        times=times,
        headers={"retry-after": str(retry_after)},
        body=_body(
            status,
            "You have exceeded a secondary rate limit. Please wait a few minutes "
            "before you try again.",
        ),
    )


def primary_rate_limit(path: str, reset_in: float = 1.0, times: int = 1) -> Fault:
    return Fault(
        path,
        status=403,
        times=times,
        headers_fn=lambda: {
            "x-ratelimit-remaining": "0",
            "x-ratelimit-reset": str(int(time.time() + reset_in)),
        },
        body=_body(403, "API rate limit exceeded for user ID 1."),
    )


def server_error(path: str, status: int = 500, times: int = 1) -> Fault:
    if status == 503:
        body: dict[str, Any] = {
            "code": "service_unavailable",
            "message": "Service unavailable",
            "documentation_url": DOCS,
        }
    else:
        body = _body(status, "Server Error")
    return Fault(path, status=status, times=times, body=body)


def slow(path: str, delay: float, times: int = 1) -> Fault:
    return Fault(path, mode="slow", delay=delay, times=times)


def truncated_json(path: str, times: int = 1) -> Fault:
    return Fault(path, mode="truncate", times=times)


def connection_reset(path: str, times: int = 1) -> Fault:
    return Fault(path, mode="reset", times=times)


def _map_items(payload: Any, change: Any) -> Any:
    if isinstance(payload, dict) and isinstance(payload.get("usageItems"), list):
        payload = {**payload, "usageItems": [change(dict(i)) for i in payload["usageItems"]]}
    return payload


def unknown_field(path: str, times: int = 1) -> Fault:
    def change(item: dict[str, Any]) -> dict[str, Any]:
        item["billingRegion"] = "eu-west"
        return item

    return Fault(path, mode="mutate", times=times, mutate=lambda p: _map_items(p, change))


def missing_optional_field(path: str, times: int = 1) -> Fault:
    def change(item: dict[str, Any]) -> dict[str, Any]:
        item.pop("repositoryName", None)
        return item

    return Fault(path, mode="mutate", times=times, mutate=lambda p: _map_items(p, change))


def missing_required_field(path: str, times: int = 1) -> Fault:
    def change(item: dict[str, Any]) -> dict[str, Any]:
        item.pop("date", None)
        return item

    return Fault(path, mode="mutate", times=times, mutate=lambda p: _map_items(p, change))


def casing_drift(path: str, times: int = 1) -> Fault:
    def change(item: dict[str, Any]) -> dict[str, Any]:
        for key in ("product", "sku", "unitType"):
            if isinstance(item.get(key), str):
                item[key] = item[key].upper()
        return item

    return Fault(path, mode="mutate", times=times, mutate=lambda p: _map_items(p, change))


PRESETS = {
    "secondary-403": lambda p, n: secondary_rate_limit(p, 403, times=n),
    "secondary-429": lambda p, n: secondary_rate_limit(p, 429, times=n),
    "primary": lambda p, n: primary_rate_limit(p, times=n),
    "500": lambda p, n: server_error(p, 500, n),
    "502": lambda p, n: server_error(p, 502, n),
    "503": lambda p, n: server_error(p, 503, n),
    "slow": lambda p, n: slow(p, 15.0, n),
    "truncate": lambda p, n: truncated_json(p, n),
    "reset": lambda p, n: connection_reset(p, n),
    "unknown-field": lambda p, n: unknown_field(p, n),
    "missing-optional": lambda p, n: missing_optional_field(p, n),
    "casing": lambda p, n: casing_drift(p, n),
}


def parse_fault_spec(spec: str) -> Fault:
    """`KIND[:PATH_REGEX[:TIMES]]`, e.g. `503:/usage$:2` or `truncate:seats`."""
    kind, _, rest = spec.partition(":")
    path, _, times = rest.partition(":")
    if kind not in PRESETS:
        raise ValueError(f"unknown fault '{kind}': choose one of {', '.join(PRESETS)}")
    return PRESETS[kind](path or ".", int(times or 1))
