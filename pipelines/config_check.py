"""Catch typo'd configuration keys before they silently fall back to defaults."""

from __future__ import annotations

import difflib
import os
import tomllib
from pathlib import Path

SECTION_ENV_PREFIX = "SOURCES__GITHUB_BILLING__"


def known_keys() -> set[str]:
    """The source's configuration and the run's settings (both under the section)."""
    from pipelines import alert_settings
    from pipelines.github_billing.config import GitHubBillingConfiguration
    from pipelines.settings import RunSettings

    return {
        *GitHubBillingConfiguration.get_resolvable_fields(),
        *RunSettings.get_resolvable_fields(),
        *alert_settings.keys(),
    }


def _suggest(key: str, known: set[str]) -> str:
    close = difflib.get_close_matches(key, sorted(known), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def unknown_key_problems(project_dir: Path) -> list[str]:
    """One sentence per unknown key in .dlt/*.toml [sources.github_billing] or the env."""
    known = known_keys()
    problems = []
    for name in ("config.toml", "secrets.toml"):
        path = project_dir / ".dlt" / name
        if not path.is_file():
            continue
        try:
            data = tomllib.loads(path.read_text())
        except tomllib.TOMLDecodeError as exc:
            problems.append(f"{path} is not valid TOML ({exc}): fix the file and run again.")
            continue
        section = data.get("sources", {}).get("github_billing", {})
        accounts = section.get("accounts", {})
        sections = [("sources.github_billing", section)] + [
            (f"sources.github_billing.accounts.{name}", keys)
            for name, keys in (accounts.items() if isinstance(accounts, dict) else ())
            if isinstance(keys, dict)
        ]
        for name, keys in sections:
            for key in keys:
                if key not in known and not isinstance(keys[key], dict):
                    problems.append(
                        f"Unknown key '{key}' under [{name}] in {path}"
                        f"{_suggest(key, known)}: fix or remove it."
                    )
    for env_key in os.environ:
        if env_key.startswith(SECTION_ENV_PREFIX):
            key = env_key[len(SECTION_ENV_PREFIX) :].lower()
            if key.startswith("accounts__") and key.count("__") == 2:
                key = key.rsplit("__", 1)[1]  # an account's own key: ACCOUNTS__<NAME>__<KEY>
                prefix = env_key[: -len(key)]
            else:
                prefix = SECTION_ENV_PREFIX
            if key not in known and "__" not in key:
                close = difflib.get_close_matches(key, sorted(known), n=1)
                hint = f" (did you mean {prefix}{close[0].upper()}?)" if close else ""
                problems.append(f"Unknown environment variable {env_key}{hint}: fix or unset it.")
    return problems
