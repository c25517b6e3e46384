"""Headless Chromium (Debian's package) driven by Playwright, with the network cut off: what a
page does when it is opened from disk on a machine with no connection."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
INSTALLER = ROOT / ".ci" / "install-chromium"
# No name resolves, every connection would go through a proxy that is not there, and none of
# Chromium's own background traffic starts.
OFFLINE_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=127.0.0.1:9",
]


def chromium_or_skip() -> Path:
    """Debian's chromium, installed through the same script as CI's when it is missing; skips
    (saying why) only where it cannot be installed."""
    if not CHROMIUM.exists():
        done = subprocess.run(["bash", str(INSTALLER)], capture_output=True, text=True, timeout=900)
        if not CHROMIUM.exists():
            reason = (done.stderr.strip().splitlines() or ["no reason given"])[-1]
            pytest.skip(f"Chromium is not installed and could not be installed: {reason}")
    return CHROMIUM


@dataclass
class OfflinePage:
    page: object  # playwright.sync_api.Page
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)


@contextmanager
def offline_page(path: Path) -> Iterator[OfflinePage]:
    """`path` opened in headless Chromium: every request it makes is recorded, any that is not
    the file itself is aborted, and console errors and uncaught exceptions are collected."""
    from playwright.sync_api import sync_playwright

    executable = chromium_or_skip()
    url = path.resolve().as_uri()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(executable), args=OFFLINE_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            seen = OfflinePage(page)
            page.on("request", lambda request: seen.requests.append(request.url))
            page.on(
                "console",
                lambda message: (
                    message.type == "error" and seen.console_errors.append(message.text)
                ),
            )
            page.on("pageerror", lambda error: seen.console_errors.append(str(error)))

            def block(route: object) -> None:
                seen.blocked.append(route.request.url)  # type: ignore[attr-defined]
                route.abort()  # type: ignore[attr-defined]

            page.route(lambda requested: requested != url, block)
            page.goto(url, wait_until="load")
            yield seen
        finally:
            browser.close()
