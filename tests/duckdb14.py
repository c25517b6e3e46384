"""DuckDB 1.4, the oldest DuckDB the project's files promise to open (BI tools embed 1.4 and
1.5), in a side virtualenv of its own: installed from PyPI on first use and cached, run in a
subprocess so it never meets the project's DuckDB 2 in one process.

The cache is `~/.cache/github-billing/duckdb14` (GITHUB_BILLING_DUCKDB14_VENV moves it).
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

REQUIREMENT = "duckdb>=1.4,<1.5"
VENV = Path(
    os.environ.get("GITHUB_BILLING_DUCKDB14_VENV")
    or Path.home() / ".cache" / "github-billing" / "duckdb14"
)


def python() -> Path:
    """The side environment's interpreter, installing it once (a lock keeps parallel test
    processes from installing it twice)."""
    interpreter = VENV / "bin" / "python"
    ready = VENV / ".installed"
    if ready.exists():
        return interpreter
    VENV.parent.mkdir(parents=True, exist_ok=True)
    with open(VENV.parent / f".{VENV.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not ready.exists():
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True)
            subprocess.run(
                [
                    str(interpreter),
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                    REQUIREMENT,
                ],
                check=True,
                capture_output=True,
            )
            ready.touch()
    return interpreter


def _script(body: str) -> list[str]:
    prelude = (
        "import json, sys, duckdb\n"
        "assert duckdb.__version__.startswith('1.4.'), duckdb.__version__\n"
    )
    return [str(python()), "-c", prelude + textwrap.dedent(body)]


def run(body: str, *args: str, timeout: float = 120) -> Any:
    """Run `body` under DuckDB 1.4 with `args` in sys.argv[1:]; it prints one JSON value,
    which is returned. A failure raises with DuckDB 1.4's own message."""
    done = subprocess.run([*_script(body), *args], capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def start(body: str, *args: str) -> subprocess.Popen[str]:
    """Start `body` under DuckDB 1.4 with pipes to talk to it (one JSON line at a time)."""
    return subprocess.Popen(
        [*_script(body), *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
