"""A synthetic GitHub Enterprise Cloud account: entities, seats and daily usage from a seed.

Every figure is generated deterministically from (seed, size, day, revision), one day at a time,
so a huge enterprise can be served without holding its history in memory, and the same numbers
can be recomputed as ground truth for tests.
"""

from __future__ import annotations

import calendar
import hashlib
import random
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cached_property
from typing import Any, TypeVar

from pipelines.github_billing import catalogue
from pipelines.simulator import injections as injected
from pipelines.simulator.budgets import Budget, standard_budgets
from pipelines.simulator.dialects import Dialect, dialect_for
from pipelines.simulator.injections import Injection
from pipelines.simulator.usage import (
    AI_CREDIT,
    METERED,
    NO_COST_CENTER,
    PREMIUM_REQUEST,
    DayUsage,
    q9,
)

_T = TypeVar("_T")

AI_CREDITS_START = date(2026, 6, 1)
ENTERPRISE = "enterprise"
ORGANIZATION = "organization"  # an organization-scoped billing account: no enterprise above it

FIRST_NAMES = [
    "alice",
    "bob",
    "carol",
    "dave",
    "erin",
    "frank",
    "grace",
    "heidi",
    "ivan",
    "judy",
    "mallory",
    "niaj",
    "olivia",
    "peggy",
    "rupert",
    "sybil",
    "trent",
    "ursula",
    "victor",
    "walter",
    "xena",
    "yusuf",
    "zoe",
]
ORG_WORDS = [
    "platform",
    "payments",
    "mobile",
    "data",
    "infra",
    "web",
    "security",
    "ml",
    "search",
    "growth",
]
COST_CENTER_NAMES = (
    "Platform Engineering",
    "Product Development",
    "Data Science",
    "Security",
    "Shared Services",
    "Mobile",
    "Research",
)
MODELS = (
    ("GPT-5", Decimal("1")),
    ("Claude Sonnet 4.5", Decimal("1")),
    ("Gemini 2.5 Pro", Decimal("1")),
    ("Claude Opus 4.1", Decimal("10")),
    ("GPT-5 mini", Decimal("0.33")),
    ("o4-mini", Decimal("0.33")),
    ("Grok Code Fast 1", Decimal("0.25")),
)


@dataclass(frozen=True)
class EnterpriseSize:
    orgs: int = 3
    repos: int = 12
    seat_holders: int = 25
    cost_centers: int = 4
    days: int = 210
    models: int = 5


@dataclass(frozen=True)
class CostCenter:
    id: str
    name: str
    deleted_on: date | None
    resources: tuple[tuple[str, str], ...]  # (type, name)
    created_on: date | None = None  # None: before any generated day

    def is_active(self, day: date) -> bool:
        created = self.created_on is None or day >= self.created_on
        return created and (self.deleted_on is None or day < self.deleted_on)


@dataclass(frozen=True)
class Grant:
    """One row of GitHub's seats list: a holder granted Copilot through one org or team."""

    login: str
    user_id: int
    organization: str | None
    team: str | None
    team_type: str | None  # "team" or "enterprise-team"
    plan_type: str
    created_on: date
    ends_on: date | None  # last billed day; None while the seat is active
    pending_cancellation_date: date | None
    last_activity_on: date | None


@dataclass
class Enterprise:
    """A generated billing account: an enterprise, or with `kind` "organization" an
    organization-scoped account (its one organization is `slug`, with no cost centers and no
    enterprise teams). `today` is the simulator's clock; data ends yesterday."""

    slug: str = "demo-enterprise"
    seed: int = 42
    size: EnterpriseSize = field(default_factory=EnterpriseSize)
    today: date = field(default_factory=lambda: datetime.now(UTC).date())
    revisions: dict[date, int] = field(default_factory=dict)
    # usage GitHub withdrew (`restate`): partitions left empty, days without Copilot usage
    withdrawn: dict[date, frozenset[str]] = field(default_factory=dict)
    copilot_withdrawn: set[date] = field(default_factory=set)
    # how this enterprise's GitHub spells SKUs and units (`dialects.DIALECTS`); None: by seed
    dialect: str | None = None
    kind: str = ENTERPRISE
    # an organization account owned by this enterprise: GitHub refuses its `user=` filter
    owner_enterprise: str | None = None

    @property
    def is_organization(self) -> bool:
        return self.kind == ORGANIZATION

    # days after the deleted cost center's deletion when a new one takes its name and its
    # resources (GitHub's reports then name two cost centers alike); None: never
    name_reused_after: int | None = None
    # weekends are quieter (people push and prompt less): the rhythm anomaly detection and the
    # forecast must see through
    weekly_rhythm: bool = True
    # spikes, runaway users, new SKUs, budget crossings (`injections.py`), with ground truth
    injections: list[Injection] = field(default_factory=list)

    @cached_property
    def spelling(self) -> Dialect:
        return dialect_for(self.dialect, self.seed)

    # -- entities ---------------------------------------------------------------------------
    @property
    def first_day(self) -> date:
        return self.today - timedelta(days=self.size.days)

    @property
    def last_day(self) -> date:
        return self.today - timedelta(days=1)

    def days(self) -> Iterator[date]:
        day = self.first_day
        while day <= self.last_day:
            yield day
            day += timedelta(days=1)

    def _rng(self, *parts: object) -> random.Random:
        digest = hashlib.sha256(repr((self.seed, *parts)).encode()).digest()
        return random.Random(int.from_bytes(digest[:8], "big"))

    @cached_property
    def orgs(self) -> list[str]:
        if self.is_organization:
            return [self.slug]
        names = []
        for i in range(self.size.orgs):
            word = ORG_WORDS[i % len(ORG_WORDS)]
            names.append(word if i < len(ORG_WORDS) else f"{word}-{i // len(ORG_WORDS)}")
        return [f"{self.slug.split('-')[0]}-{n}" for n in names]

    @cached_property
    def repos(self) -> list[str]:
        return [f"{self.orgs[i % len(self.orgs)]}/repo-{i:05d}" for i in range(self.size.repos)]

    @cached_property
    def public_repos(self) -> frozenset[str]:
        rng = self._rng("public")
        return frozenset(r for r in self.repos if rng.random() < 0.1)

    @cached_property
    def users(self) -> list[str]:
        return [
            f"{FIRST_NAMES[i % len(FIRST_NAMES)]}-{i // len(FIRST_NAMES) + 1:03d}"
            for i in range(self.size.seat_holders)
        ]

    @cached_property
    def enterprise_teams(self) -> list[str]:
        if self.is_organization:
            return []
        return [f"ent-team-{i + 1}" for i in range(max(1, self.size.orgs // 2))]

    @cached_property
    def models(self) -> list[tuple[str, Decimal]]:
        return list(MODELS[: max(1, min(self.size.models, len(MODELS)))])

    @cached_property
    def cost_centers(self) -> list[CostCenter]:
        rng = self._rng("cost-centers")
        n = 0 if self.is_organization else self.size.cost_centers
        taken: set[tuple[str, str]] = set()
        pools = {
            "Org": self.orgs[1:],  # the first org stays outside every cost center
            "Repo": self.repos,
            "User": self.users,
            "Team": self.enterprise_teams,
        }
        centers = []
        for i in range(n):
            resources: list[tuple[str, str]] = []
            for kind, pool in pools.items():
                share = {"Org": 1, "Repo": 3, "User": 3, "Team": 1}[kind]
                free = [name for name in pool if (kind, name) not in taken]
                for name in rng.sample(free, min(len(free), share * max(1, len(pool) // (4 * n)))):
                    if kind == "Team" and rng.random() < 0.5:
                        continue
                    taken.add((kind, name))
                    resources.append((kind, name))
            # The last cost center of three or more was deleted mid-period: it keeps its past.
            deleted = (
                self.first_day + timedelta(days=self.size.days // 2)
                if (n >= 3 and i == n - 1)
                else None
            )
            centers.append(
                CostCenter(
                    id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    name=COST_CENTER_NAMES[i % len(COST_CENTER_NAMES)]
                    + ("" if i < len(COST_CENTER_NAMES) else f" {i // len(COST_CENTER_NAMES)}"),
                    deleted_on=deleted,
                    resources=tuple(resources),
                )
            )
        gone = next((cc for cc in centers if cc.deleted_on), None)
        if gone is not None and gone.deleted_on and self.name_reused_after is not None:
            centers.append(
                CostCenter(
                    id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    name=gone.name,
                    deleted_on=None,
                    resources=gone.resources,
                    created_on=gone.deleted_on + timedelta(days=self.name_reused_after),
                )
            )
        return centers

    @cached_property
    def _owners(self) -> dict[tuple[str, str], list[CostCenter]]:
        owners: dict[tuple[str, str], list[CostCenter]] = defaultdict(list)
        for cc in self.cost_centers:
            for res in cc.resources:
                owners[res].append(cc)
        return owners

    def cost_center_of(self, kind: str, name: str, day: date) -> CostCenter | None:
        return next((cc for cc in self._owners.get((kind, name), []) if cc.is_active(day)), None)

    @cached_property
    def team_members(self) -> dict[str, list[str]]:
        members: dict[str, list[str]] = defaultdict(list)
        for grant in self.grants:
            if grant.team_type == "enterprise-team" and grant.team:
                members[grant.team].append(grant.login)
        return members

    @cached_property
    def grants(self) -> list[Grant]:
        rng = self._rng("seats")
        grants = []
        span = self.size.days
        for i, login in enumerate(self.users):
            home = self.orgs[i % len(self.orgs)]
            plan = "enterprise" if self.orgs.index(home) % 3 == 2 else "business"
            started = self.first_day - timedelta(days=rng.randint(0, 400))
            if rng.random() < 0.25:
                started = self.first_day + timedelta(days=rng.randint(0, span - 1))
            ends = None
            pending = None
            roll = rng.random()
            if roll < 0.08:
                ends = started + timedelta(days=rng.randint(20, 120))
                ends = ends if ends < self.last_day else None
            elif roll < 0.12:
                month_end = self.today.replace(
                    day=calendar.monthrange(self.today.year, self.today.month)[1]
                )
                pending = month_end
            idle = rng.random() < 0.2
            last_active = None
            if not idle:
                last_active = self.last_day - timedelta(days=rng.randint(0, 5))
            elif rng.random() < 0.7:
                last_active = self.last_day - timedelta(days=rng.randint(31, 120))
            if last_active and last_active < started:
                last_active = started
            how = rng.random()
            team, team_type, org = None, None, home
            if how < 0.15 and self.enterprise_teams:
                team, team_type, org = rng.choice(self.enterprise_teams), "enterprise-team", None
            elif how < 0.35:
                team, team_type = f"{home.split('-', 1)[-1]}-devs", "team"
            common = dict(
                login=login,
                user_id=1000 + i,
                plan_type=plan,
                created_on=started,
                ends_on=ends,
                pending_cancellation_date=pending,
                last_activity_on=last_active,
            )
            grants.append(Grant(organization=org, team=team, team_type=team_type, **common))
            if len(self.orgs) > 1 and rng.random() < 0.12:
                other = self.orgs[(i + 1) % len(self.orgs)]
                grants.append(Grant(organization=other, team=None, team_type=None, **common))
        return grants

    def billed_holders(self, day: date) -> dict[str, Grant]:
        """Each holder billed on `day`, once, through their first grant (GitHub bills once)."""
        billed: dict[str, Grant] = {}
        for grant in self.grants:
            if grant.created_on > day or (grant.ends_on is not None and day > grant.ends_on):
                continue
            billed.setdefault(grant.login, grant)
        return billed

    def seat_cost_center(self, grant: Grant, day: date) -> CostCenter | None:
        """GitHub's rule for licenses: direct user > enterprise team > organization."""
        cc = self.cost_center_of("User", grant.login, day)
        if cc is None and grant.team_type == "enterprise-team" and grant.team:
            cc = self.cost_center_of("Team", grant.team, day)
        if cc is None and grant.organization:
            cc = self.cost_center_of("Org", grant.organization, day)
        return cc

    def usage_cost_center(self, org: str, repo: str | None, day: date) -> CostCenter | None:
        cc = self.cost_center_of("Repo", repo, day) if repo else None
        return cc or self.cost_center_of("Org", org, day)

    def user_cost_center(self, grant: Grant, day: date) -> CostCenter | None:
        return self.cost_center_of("User", grant.login, day) or (
            self.cost_center_of("Org", grant.organization, day) if grant.organization else None
        )

    # -- usage --------------------------------------------------------------------------------
    def restate(self, day: date, empty: Iterable[str] = (), copilot_usage: bool = True) -> None:
        """GitHub revises recent days: give `day` new figures (tests use this). GitHub may also
        withdraw usage: the partitions in `empty` have none left, and without `copilot_usage`
        the day has no Copilot usage by user in any partition (nor the lines it sums to)."""
        self.revisions[day] = self.revisions.get(day, 0) + 1
        if empty:
            self.withdrawn[day] = self.withdrawn.get(day, frozenset()) | frozenset(empty)
        if not copilot_usage:
            self.copilot_withdrawn.add(day)
        self._day_cache.pop(day, None)
        self._derived.clear()

    @cached_property
    def _day_cache(self) -> dict[date, DayUsage]:
        return {}

    @cached_property
    def _derived(self) -> dict[tuple[object, ...], Any]:
        return {}

    def derived(self, key: tuple[object, ...], compute: Callable[[], _T]) -> _T:
        """A figure summed over many days' usage (a budget's month-to-date spend, its users'
        states), kept until the clock moves or a day is restated: the budget routes ask for it on
        every page, and regenerating a month of usage per page made a 10,000-seat history crawl."""
        full = (self.today, *key)
        if full not in self._derived:
            self._derived[full] = compute()
        return self._derived[full]  # type: ignore[no-any-return]

    def day_usage(self, day: date) -> DayUsage:
        cached = self._day_cache.get(day)
        if cached is None:
            if len(self._day_cache) > 16:
                self._day_cache.pop(next(iter(self._day_cache)))
            cached = self._day_cache[day] = self._generate_day(day)
        return cached

    def _generate_day(self, day: date) -> DayUsage:
        usage = DayUsage(day, self.spelling)
        if not (self.first_day <= day <= self.last_day):
            return usage
        rng = self._rng("usage", day.isoformat(), self.revisions.get(day, 0))
        style = rng.random()
        date_text = day.isoformat() if style < 0.5 else f"{day.isoformat()}T00:00:00Z"
        # Included minutes and storage run out early in the month: discounts on days 1-3.
        included = day.day <= 3
        # the draws stay the same on every day, so a quiet weekend changes no other day's figures
        quiet = 0.35 if self.weekly_rhythm and day.weekday() >= 5 else 1.0
        per_repo = [m for m in METERED if m.per == "repo"]
        for repo in self.repos:
            org = repo.split("/")[0]
            partition = _partition(self.usage_cost_center(org, repo, day))
            public = repo in self.public_repos
            for metered in per_repo:
                if rng.random() < metered.chance * quiet:
                    free = metered.is_free(public, included)
                    usage.add_metered(rng, date_text, partition, org, repo, metered, free)
        per_org = [m for m in METERED if m.per == "org"]
        for org in self.orgs:
            partition = _partition(self.usage_cost_center(org, None, day))
            for metered in per_org:
                if rng.random() < metered.chance * quiet:
                    free = metered.is_free(False, included)
                    usage.add_metered(rng, date_text, partition, org, None, metered, free)
        self._add_copilot(usage, rng, date_text, day, quiet)
        injected.apply(self, usage, day, date_text)
        usage.add_copilot_usage_lines(date_text)
        usage.withdraw(self.withdrawn.get(day, frozenset()))
        return usage

    def _add_copilot(
        self, usage: DayUsage, rng: random.Random, date_text: str, day: date, quiet: float
    ) -> None:
        days_in_month = calendar.monthrange(day.year, day.month)[1]
        seats: dict[tuple[str, CostCenter | None, str], int] = defaultdict(int)
        credits = day >= AI_CREDITS_START
        models = () if day in self.copilot_withdrawn else self.models
        for login, grant in sorted(self.billed_holders(day).items()):
            org = grant.organization or ""
            seats[(org, self.seat_cost_center(grant, day), grant.plan_type)] += 1
            active = grant.last_activity_on is not None and (
                day <= grant.last_activity_on or rng.random() < 0.02
            )
            if not active or rng.random() < 1 - 0.7 * quiet:
                continue
            cc = self.user_cost_center(grant, day)
            for model, multiplier in models:
                if rng.random() < 0.5:
                    continue
                if credits:
                    qty, sku, free = Decimal(rng.randint(1, 600)) * multiplier / 10, AI_CREDIT, 5
                else:
                    qty, sku, free = Decimal(rng.randint(1, 12)) * multiplier, PREMIUM_REQUEST, 7
                name = cc.name if cc else ""
                discounted = day.day <= free  # the month's included usage runs out
                usage.add_user_usage(
                    day, login, org, _partition(cc), name, model, sku, q9(qty), discounted
                )
        for (org, cc, plan), count in sorted(
            seats.items(), key=lambda kv: (kv[0][0], kv[0][1].id if kv[0][1] else "", kv[0][2])
        ):
            qty = q9(Decimal(count) / days_in_month)
            product = usage.dialect.product("copilot", rng)
            usage.add_seats(date_text, _partition(cc), org, plan, qty, product)

    # -- budgets (budgets.py) -----------------------------------------------------------------
    @cached_property
    def budgets(self) -> list[Budget]:
        """The enterprise's budgets: a standard set of every scope, plus injected crossings."""
        return standard_budgets(self) + injected.crossing_budgets(self)

    # -- derived views ------------------------------------------------------------------------
    def partitions(self) -> list[str]:
        return [NO_COST_CENTER] + [cc.id for cc in self.cost_centers]

    def cost_center_by_id(self, cc_id: str) -> CostCenter | None:
        return next((cc for cc in self.cost_centers if cc.id == cc_id), None)

    def seats_today(self) -> list[Grant]:
        return [
            g
            for g in self.grants
            if g.created_on <= self.today and (g.ends_on is None or g.ends_on >= self.today)
        ]

    def ground_truth(self) -> dict[str, object]:
        """Net, gross and discount totals per day and partition, and per product, as strings."""
        per_day: dict[str, dict[str, dict[str, str]]] = {}
        per_product: dict[str, Decimal] = defaultdict(Decimal)
        total = Decimal(0)
        for day in self.days():
            usage = self.day_usage(day)
            per_day[day.isoformat()] = {}
            for partition, items in usage.items_by_partition.items():
                net = sum((i["netAmount"] for i in items), Decimal(0))
                gross = sum((i["grossAmount"] for i in items), Decimal(0))
                per_day[day.isoformat()][partition] = {
                    "net": str(net),
                    "gross": str(gross),
                    "rows": str(len(items)),
                }
                total += net
                for item in items:
                    product = catalogue.canonical_product(item["product"], item["sku"])
                    per_product[product] += item["netAmount"]
        return {
            "enterprise": self.slug,
            "kind": self.kind,
            "first_day": self.first_day.isoformat(),
            "last_day": self.last_day.isoformat(),
            "net_total": str(total),
            "net_by_product": {k: str(v) for k, v in sorted(per_product.items())},
            "by_day": per_day,
            "injections": injected.ground_truth(self),
        }


def _partition(cc: CostCenter | None) -> str:
    return cc.id if cc else NO_COST_CENTER
