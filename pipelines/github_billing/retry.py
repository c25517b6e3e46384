"""GitHub's retry rules, plugged into dlt's retrying session rather than replacing it.

GitHub asks clients to honour `retry-after`, else wait for `x-ratelimit-reset` when the primary
budget is spent, else wait at least a minute and back off exponentially; 5xx and timeouts are
retried a bounded number of times (dlt's `[runtime] request_max_attempts`).
"""

import time
from typing import Any

from dlt.sources.helpers.requests.retry import (
    Client,
    Session,
    _get_retry_response,
    _make_retry,
    wait_exponential_retry_after,
)
from requests import Response
from tenacity import RetryCallState


def rate_limit_floor_seconds() -> float:
    """The first wait after a rate-limit answer with no hint: GitHub says at least a minute
    (`rate_limit_floor_seconds` under [sources.github_billing]; tests shrink it)."""
    from pipelines.github_billing.config import resolve

    return float(resolve().rate_limit_floor_seconds)


def is_rate_limited(response: Response | None) -> bool:
    """A 403/429 that GitHub means as "slow down", not "you may not"."""
    if response is None or response.status_code not in (403, 429):
        return False
    if response.status_code == 429 or response.headers.get("retry-after"):
        return True
    if response.headers.get("x-ratelimit-remaining") == "0":
        return True
    return b"rate limit" in response.content[:500].lower()


def looks_truncated(response: Response | None) -> bool:
    """A 200 whose JSON body stops short (a proxy cut it): worth one more try."""
    if response is None or response.status_code != 200:
        return False
    if "json" not in response.headers.get("Content-Type", ""):
        return False
    body = response.content.rstrip()
    return not body or body[-1:] not in (b"}", b"]")


def seconds_until_reset(response: Response, now: float | None = None) -> float | None:
    if response.headers.get("x-ratelimit-remaining") != "0":
        return None
    reset = response.headers.get("x-ratelimit-reset", "")
    if not reset.isdigit():
        return None
    return max(0.0, int(reset) - (now if now is not None else time.time()))


class GitHubWait(wait_exponential_retry_after):
    """retry-after, then x-ratelimit-reset, then exponential backoff (from a minute for
    rate limits, from dlt's backoff factor for 5xx and network errors)."""

    def __call__(self, retry_state: RetryCallState) -> float:
        response = _get_retry_response(retry_state)
        retry_after = self._get_retry_after(retry_state)
        if retry_after is not None:
            return retry_after
        if response is not None:
            until_reset = seconds_until_reset(response)
            if until_reset is not None:
                return min(self.max, until_reset + 1)
            if is_rate_limited(response):
                attempt = max(1, retry_state.attempt_number)
                return min(self.max, rate_limit_floor_seconds() * 2 ** (attempt - 1))
        return super().__call__(retry_state)


def _retry_worthwhile(response: Response | None, exception: BaseException | None) -> bool:
    if looks_truncated(response):
        return True
    return is_rate_limited(response)


class GitHubRetryingSession(Client):
    """dlt's retrying `requests` client with GitHub's waits and retry conditions."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(raise_for_status=False, retry_condition=_retry_worthwhile, **kwargs)

    def _make_session(self) -> Session:
        session = super()._make_session()
        retrying = _make_retry(**self._retry_kwargs)
        kw = self._retry_kwargs
        retrying.wait = GitHubWait(multiplier=kw["backoff_factor"], max=kw["max_delay"])
        retrying.stop = _stop_when_reset_is_beyond_reach(retrying.stop, kw["max_delay"])
        session.send = retrying.wraps(Session.send.__get__(session))  # type: ignore[method-assign]
        return session


def _stop_when_reset_is_beyond_reach(stop: Any, max_delay: float) -> Any:
    """Never sit out a primary-limit reset longer than the configured max delay: give up with
    the sentence instead, and let the next scheduled run continue."""

    def should_stop(retry_state: RetryCallState) -> bool:
        response = _get_retry_response(retry_state)
        if response is not None:
            until_reset = seconds_until_reset(response)
            if until_reset is not None and until_reset > float(max_delay):
                return True
        return bool(stop(retry_state))

    return should_stop
