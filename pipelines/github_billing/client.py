"""The only module that speaks HTTP to GitHub: base URL, auth, API version, retries, errors.

Every failure leaves here as a `GitHubApiError` whose message is one plain sentence for the user:
what went wrong and what to do. The token is never part of any message.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests
from dlt.common.configuration import configspec, resolve_configuration
from dlt.common.configuration.specs import RuntimeConfiguration
from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.helpers.rest_client.auth import BearerTokenAuth
from dlt.sources.helpers.rest_client.paginators import HeaderLinkPaginator, SinglePagePaginator

from pipelines.github_billing.accounts import ENTERPRISE, BillingAccount
from pipelines.github_billing.retry import GitHubRetryingSession
from pipelines.github_billing.settings import (
    ACCEPT,
    API_VERSION,
    DEFAULT_MAX_PARALLEL_REQUESTS,
    RATE_LIMIT_LOW_WATER,
    USER_AGENT,
)
from pipelines.github_billing.tally import LoadTally

logger = logging.getLogger(__name__)


class GitHubApiError(Exception):
    """A failure the user can act on; `str(error)` is the sentence to show."""

    def __init__(self, sentence: str, status: int | None = None, endpoint: str = "") -> None:
        super().__init__(sentence)
        self.status = status
        self.endpoint = endpoint


class UserFilterRefused(GitHubApiError):
    """GitHub refuses the `user=` filter to the admins of an organization an enterprise owns."""


def origin(url: str) -> tuple[str, str, int | None]:
    """Scheme, host and port: the token goes to exactly one origin, the configured base URL."""
    parts = urlsplit(url)
    default_port = {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), parts.port or default_port


@configspec
class HostBoundBearerAuth(BearerTokenAuth):
    """dlt's bearer auth, attached only to requests for the trusted origins (the configured API
    host and GitHub's web host that serves its report downloads): a Link header or any other
    URL pointing elsewhere never receives the token. (`requests` itself already drops
    Authorization when following a redirect to another host.)"""

    # a frozenset of origin() triples (dlt's configspec types cannot spell it)
    trusted: Any = None

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        if request.url and origin(request.url) in (self.trusted or ()):
            return super().__call__(request)
        request.headers.pop("Authorization", None)
        return request


def loads_exact(payload: bytes | str) -> Any:
    """Parse JSON keeping every number with a fraction as Decimal: money never passes float."""
    return json.loads(payload, parse_float=Decimal)


class Clock(Protocol):
    """Wall-clock seconds (the epoch of `x-ratelimit-reset`) and sleeping; tests and the
    benchmark inject a compressed one."""

    def time(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def time(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


TOKEN_SETTING = "SOURCES__GITHUB_BILLING__ACCESS_TOKEN"  # the single-enterprise key


class GitHubClient:
    """A thin, counted wrapper around dlt's RESTClient for one billing account: an enterprise
    (`account` given as its slug, as before) or any `BillingAccount`.

    It paces itself on GitHub's primary rate limit: once `x-ratelimit-remaining` falls to
    `low_water`, the next request waits for `x-ratelimit-reset` instead of running into 403s.

    It is safe to share between threads (`resources.fetch_in_order` sends the day x partition
    requests from a small pool): every request reserves its place in the budget under one lock
    before it is sent, so at most `max_in_flight` requests are out at once, and never more than
    the last known `x-ratelimit-remaining` minus `low_water`. Each thread has its own requests
    Session (a Session is not guaranteed thread-safe); they share one connection pool.
    """

    def __init__(
        self,
        base_url: str,
        access_token: str,
        account: str | BillingAccount,
        clock: Clock | None = None,
        low_water: int = RATE_LIMIT_LOW_WATER,
        max_in_flight: int = DEFAULT_MAX_PARALLEL_REQUESTS,
        token_setting: str = TOKEN_SETTING,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        # where this account's token is set, for the sentence when GitHub rejects it
        self.token_setting = token_setting
        self.account = (
            account if isinstance(account, BillingAccount) else BillingAccount(ENTERPRISE, account)
        )
        self.clock: Clock = clock or SystemClock()
        self.low_water = low_water
        self.max_in_flight = max_in_flight
        self.paced_seconds = 0.0  # time spent waiting for rate-limit resets
        self.requests_made = 0
        self.rate_limit_remaining: int | None = None
        self.rate_limit_reset: int | None = None
        self.last_scopes: tuple[str, ...] | None = None
        # Sentences for the run summary: `notes` say which path a resource took and what it
        # cost; `warnings` say what this run could not load and the next run retries.
        self.notes: list[str] = []
        self.warnings: list[str] = []
        self.tally = LoadTally()  # what the run planned and did, for the progress display
        self.trusted_origins = trusted_origins(self.base_url)
        # Guards the counters, the rate-limit view and the in-flight count; waited on by
        # threads whose request the budget cannot take yet.
        self._budget = threading.Condition()
        self._in_flight = 0
        self._auth = HostBoundBearerAuth(token=access_token, trusted=self.trusted_origins)
        # dlt's retrying clients hand each thread its own Session over one shared connection
        # pool; their [runtime] settings (timeouts, attempts, backoff) are read here, once, in
        # the thread that builds the client.
        self._anonymous_sessions = GitHubRetryingSession()
        self._anonymous_sessions.configure()
        self._sessions = GitHubRetryingSession()
        self._sessions.configure()
        self._rest_config = resolve_configuration(RuntimeConfiguration())
        self._local = threading.local()

    @property
    def has_fine_grained_token(self) -> bool:
        """Whether the token is a fine-grained PAT (organizations accept some); never the token."""
        from pipelines.github_billing.check import FINE_GRAINED_PREFIX

        return str(self._auth.token or "").strip().startswith(FINE_GRAINED_PREFIX)

    @property
    def token_problem(self) -> str | None:
        """Why the token cannot work before any request is sent (a fine-grained PAT...), or
        None: the client holds the token, so it is the one to judge it."""
        from pipelines.github_billing.check import token_shape_problem

        return token_shape_problem(str(self._auth.token or ""), self.account)

    @property
    def _rest(self) -> RESTClient:
        """This thread's RESTClient for the API host (with the token)."""
        return self._thread_clients()[0]

    @property
    def _anonymous(self) -> RESTClient:
        """This thread's RESTClient for other hosts: download URLs on any other host (signed
        storage URLs) never see the token."""
        return self._thread_clients()[1]

    def _thread_clients(self) -> tuple[RESTClient, RESTClient]:
        clients: tuple[RESTClient, RESTClient] | None = getattr(self._local, "clients", None)
        if clients is None:
            api = RESTClient(
                base_url=self.base_url,
                headers={
                    "Accept": ACCEPT,
                    "X-GitHub-Api-Version": API_VERSION,
                    "User-Agent": USER_AGENT,
                },
                auth=self._auth,
                paginator=SinglePagePaginator(),
                session=self._sessions.session,
                config=self._rest_config,
            )
            anonymous = RESTClient(
                base_url=self.base_url,
                headers={"User-Agent": USER_AGENT},
                paginator=SinglePagePaginator(),
                session=self._anonymous_sessions.session,
                config=self._rest_config,
            )
            clients = self._local.clients = (api, anonymous)
        return clients

    @property
    def enterprise(self) -> str:
        """The account's slug or login (the name callers of one-enterprise days still use)."""
        return self.account.login

    def path(self, template: str, **kwargs: str) -> str:
        """An endpoint of settings.py for this client's account (`BillingAccount.path`)."""
        return self.account.path(template, **kwargs)

    def get_json(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """GET one document; raise GitHubApiError with a sentence on any failure."""
        response = self._send(path, params)
        return self.decode(response.content, path, response.status_code)

    def get_bytes(self, path: str, params: dict[str, Any] | None = None) -> bytes:
        """GET one document's body undecoded, for callers that parse it straight into columns;
        `decode` gives the same sentence as `get_json` when it is not JSON."""
        return self._send(path, params).content

    def get_pages(self, path: str, params: dict[str, Any] | None = None) -> Iterator[Any]:
        """GET a paginated list, following GitHub's `Link: rel="next"` header (never building
        page URLs by hand, as GitHub asks)."""
        paginator = HeaderLinkPaginator()
        url: str | None = path
        query = params
        while url:
            response = self._send(url, query)
            yield self.decode(response.content, path, response.status_code)
            paginator.update_state(response)
            url = paginator._next_reference if paginator.has_next_page else None
            if url and "://" in url and origin(url) != origin(self.base_url):
                raise GitHubApiError(
                    f"GitHub's next-page link for {_endpoint(path)} points to another host "
                    f"({urlsplit(url).netloc}), so it was not followed and the token was not sent "
                    f"there: check base_url ({self.base_url}) and run again.",
                    endpoint=_endpoint(path),
                )
            query = None  # the next link carries its own query string

    def post_json(self, path: str, body: dict[str, Any]) -> Any:
        """POST a JSON body; raise GitHubApiError with a sentence on any failure."""
        response = self._send(path, None, method="POST", body=body)
        return self.decode(response.content, path, response.status_code)

    def download(self, url: str, max_redirects: int = 5) -> requests.Response:
        """GET a report file as a stream. The token goes only to the API host and GitHub's web
        host for it; redirects are followed by hand so every hop is checked the same way.
        The caller closes the response; HTTP errors are returned, not raised."""
        for _hop in range(max_redirects + 1):
            trusted = origin(url) in self.trusted_origins
            rest = self._rest if trusted else self._anonymous
            try:
                response = rest.request(url, method="GET", stream=True, allow_redirects=False)
            except requests.exceptions.RequestException as exc:
                raise GitHubApiError(
                    f"Could not download a usage report file from {origin_text(url)} "
                    f"({type(exc).__name__}): nothing from it was loaded; run again.",
                    endpoint=_endpoint(url),
                ) from None
            finally:
                with self._budget:
                    self.requests_made += 1
            location = response.headers.get("Location")
            if response.status_code in (301, 302, 303, 307, 308) and location:
                response.close()
                url = requests.compat.urljoin(url, location)
                continue
            return response
        raise GitHubApiError(
            f"A usage report download from {origin_text(url)} redirected more than "
            f"{max_redirects} times: nothing from it was loaded; run again.",
            endpoint=_endpoint(url),
        )

    # -- internals ----------------------------------------------------------------------------
    def _reserve(self) -> None:
        """Take a place for one request: wait while `max_in_flight` are out or the budget left
        (the last `x-ratelimit-remaining` less the requests still in flight) is down to
        `low_water`; with nothing in flight and the budget spent, wait for the reset."""
        with self._budget:
            while not self._may_send():
                if self._in_flight:
                    self._budget.wait()  # a response will say how much budget is left
                else:
                    self._pace()
            self._in_flight += 1

    def _may_send(self) -> bool:
        if self._in_flight >= max(1, self.max_in_flight):
            return False
        remaining, reset = self.rate_limit_remaining, self.rate_limit_reset
        if remaining is None or reset is None:
            return True
        return remaining - self._in_flight > self.low_water

    def _pace(self) -> None:
        """Wait for the reset when the budget is down to the low-water mark (GitHub's advice:
        do not keep sending once the primary limit is spent). Called with the lock held and
        nothing in flight, so no other thread sends while it waits."""
        remaining, reset = self.rate_limit_remaining, self.rate_limit_reset
        wait = (reset or 0) - self.clock.time() + 1  # the reset is a whole second: be past it
        if wait > 0:
            logger.warning(
                "GitHub rate limit: %s requests left until the reset; waiting %.0f s for it",
                remaining,
                wait,
            )
            self.clock.sleep(wait)
            self.paced_seconds += wait
        self.rate_limit_remaining = None  # unknown until the next response says

    def _release(self, response: requests.Response | None) -> None:
        with self._budget:
            self.requests_made += 1
            self._in_flight -= 1
            if response is not None:
                self._note_headers(response)
            self._budget.notify_all()

    def _send(
        self,
        path: str,
        params: dict[str, Any] | None,
        method: str = "GET",
        body: dict[str, Any] | None = None,
    ) -> requests.Response:
        self._reserve()
        response: requests.Response | None = None
        try:
            if method == "POST":
                response = self._rest.post(path, json=body)
            else:
                response = self._rest.get(path, params=params)
        except requests.exceptions.RequestException as exc:
            raise GitHubApiError(
                f"Could not reach GitHub at {self.base_url} ({type(exc).__name__}) while reading "
                f"{_endpoint(path)}: check base_url and your network, then run again.",
                endpoint=_endpoint(path),
            ) from None
        finally:
            self._release(response)
        if response.status_code >= 400:
            raise self._error_for(response, path)
        return response

    def _note_headers(self, response: requests.Response) -> None:
        """Keep the lowest budget reported for the current window: with several requests out,
        responses can arrive in another order than GitHub counted them."""
        remaining = response.headers.get("x-ratelimit-remaining")
        reset = response.headers.get("x-ratelimit-reset")
        new_reset = int(reset) if reset is not None and reset.isdigit() else None
        known_reset = self.rate_limit_reset
        if new_reset is not None and known_reset is not None and new_reset < known_reset:
            pass  # a response from a window that has already reset: it says nothing now
        elif remaining is not None and remaining.isdigit():
            same_window = new_reset is None or new_reset == known_reset
            known = self.rate_limit_remaining
            fresh = int(remaining)
            self.rate_limit_remaining = (
                min(known, fresh) if same_window and known is not None else fresh
            )
        if new_reset is not None and (known_reset is None or new_reset > known_reset):
            self.rate_limit_reset = new_reset
        scopes = response.headers.get("X-OAuth-Scopes")
        if scopes is not None:
            self.last_scopes = tuple(s.strip() for s in scopes.split(",") if s.strip())

    def decode(self, content: bytes, path: str, status: int | None = 200) -> Any:
        """Exact JSON (see `loads_exact`), or GitHubApiError with a sentence."""
        try:
            return loads_exact(content)
        except ValueError:
            raise GitHubApiError(
                f"GitHub sent a malformed (truncated or non-JSON) response for "
                f"{_endpoint(path)}: nothing from it was loaded; run again.",
                status=status,
                endpoint=_endpoint(path),
            ) from None

    def _error_for(self, response: requests.Response, path: str) -> GitHubApiError:
        status = response.status_code
        endpoint = _endpoint(path)
        try:
            message = str(loads_exact(response.content).get("message", ""))
        except (ValueError, AttributeError):
            message = ""
        if status == 401:
            sentence = (
                "GitHub rejected the access token (401 Bad credentials): it is revoked, expired "
                "or mistyped; create a new classic personal access token and set it as "
                f"{self.token_setting}."
            )
        elif (
            status in (403, 429)
            and response.headers.get("x-ratelimit-remaining") != "0"
            and ("secondary rate limit" in message.lower() or response.headers.get("retry-after"))
        ):
            sentence = (
                f"GitHub's secondary rate limit (too many requests too quickly) kept refusing "
                f"{endpoint} ({status}) after several waits; run again in a few minutes: the next "
                "run picks up where this one stopped."
            )
        elif status in (403, 429) and (
            response.headers.get("x-ratelimit-remaining") == "0" or "rate limit" in message.lower()
        ):
            reset = response.headers.get("x-ratelimit-reset")
            when = (
                datetime.fromtimestamp(int(reset), tz=UTC).strftime("%H:%M UTC")
                if reset and reset.isdigit()
                else "the limit resets"
            )
            sentence = (
                f"GitHub's API rate limit is exhausted ({status} on {endpoint}); run again after "
                f"{when}: the next run picks up where this one stopped."
            )
        elif status == 403 and "cannot filter usage by user" in message.lower():
            return UserFilterRefused(
                f"GitHub does not let organization owners filter Copilot usage by user when an "
                f"enterprise owns the organization (403 on {endpoint}), so '{self.enterprise}' has "
                "no per-user Copilot usage here: load the owning enterprise as an account for it.",
                status=status,
                endpoint=endpoint,
            )
        elif (
            status == 403
            and "personal access token" in message.lower()
            and self.account.accepts_fine_grained_tokens
        ):
            needed = response.headers.get("X-Accepted-GitHub-Permissions", "")
            sentence = (
                f"GitHub refused the fine-grained token on {endpoint} (403: {message}): give it "
                "the organization permission Administration (read)"
                + (f" (GitHub asks for {needed})" if needed else "")
                + " for this organization, or use a classic personal access token."
            )
        elif status == 403 and "personal access token" in message.lower():
            sentence = (
                "GitHub refused the token on its enterprise billing endpoints because it is a "
                "fine-grained token: create a classic personal access token (Settings > Developer "
                "settings > Personal access tokens > Tokens (classic)) with the "
                "manage_billing:enterprise and manage_billing:copilot scopes."
            )
        elif status == 403:
            accepted = response.headers.get("X-Accepted-OAuth-Scopes", "")
            need = f" one of the scopes {accepted}" if accepted else " the required scopes"
            sentence = (
                f"GitHub refused {endpoint} (403: {message or 'Forbidden'}): the token needs{need} "
                f"and must belong to {self.account.admin}."
            )
        elif status == 404:
            sentence = self.account.not_found(self.base_url, endpoint)
        elif status >= 500:
            sentence = (
                f"GitHub kept failing on {endpoint} ({status}) after several retries; data loaded "
                "so far is kept, run again later to continue."
            )
        else:
            sentence = f"GitHub answered {status} on {endpoint}: {message or response.reason}."
        return GitHubApiError(sentence, status=status, endpoint=endpoint)


def origin_text(url: str) -> str:
    """scheme://host[:port] for messages: never a path, a query or credentials."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}" + (f":{parts.port}" if parts.port else "")


_GHE_API_HOST = re.compile(r"api\.([a-z0-9-]+)\.ghe\.com")


def trusted_origins(base_url: str) -> frozenset[tuple[str, str, int | None]]:
    """The API host itself, and GitHub's web host that serves its report downloads:
    github.com for api.github.com, <sub>.ghe.com for api.<sub>.ghe.com. Nothing else."""
    api = origin(base_url)
    scheme, host, _port = api
    trusted = {api}
    if scheme == "https" and host == "api.github.com":
        trusted.add(("https", "github.com", 443))
    ghe = _GHE_API_HOST.fullmatch(host)
    if scheme == "https" and ghe:
        trusted.add(("https", f"{ghe.group(1)}.ghe.com", 443))
    return frozenset(trusted)


def _endpoint(path: str) -> str:
    """The path without host or query, for messages (never the token, never the full URL)."""
    return urlsplit(path).path or path
