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
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property

AI_CREDITS_START = date(2026, 6, 1)
NINE_PLACES = Decimal("0.000000001")
NO_COST_CENTER = "none"

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
SEAT_PRICES = {"business": Decimal("19"), "enterprise": Decimal("39")}
SEAT_SKUS = {"business": "Copilot Business", "enterprise": "Copilot Enterprise"}


def q9(value: Decimal) -> Decimal:
    """Round to the nine decimal places GitHub's billing amounts carry."""
    return value.quantize(NINE_PLACES, rounding=ROUND_HALF_UP)


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

    def is_active(self, day: date) -> bool:
        return self.deleted_on is None or day < self.deleted_on


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
    """A generated enterprise. `today` is the simulator's clock; data ends yesterday."""

    slug: str = "demo-enterprise"
    seed: int = 42
    size: EnterpriseSize = field(default_factory=EnterpriseSize)
    today: date = field(default_factory=lambda: datetime.now(UTC).date())
    revisions: dict[date, int] = field(default_factory=dict)

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
        return [f"ent-team-{i + 1}" for i in range(max(1, self.size.orgs // 2))]

    @cached_property
    def models(self) -> list[tuple[str, Decimal]]:
        return list(MODELS[: max(1, min(self.size.models, len(MODELS)))])

    @cached_property
    def cost_centers(self) -> list[CostCenter]:
        rng = self._rng("cost-centers")
        n = self.size.cost_centers
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
        return centers

    @cached_property
    def _owner(self) -> dict[tuple[str, str], CostCenter]:
        return {res: cc for cc in self.cost_centers for res in cc.resources}

    def cost_center_of(self, kind: str, name: str, day: date) -> CostCenter | None:
        cc = self._owner.get((kind, name))
        return cc if cc is not None and cc.is_active(day) else None

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
            if how < 0.15:
                team, team_type, org = rng.choice(self.enterprise_teams), "enterprise-team", None
            elif how < 0.35:
                team, team_type = f"{home.split('-', 1)[1]}-devs", "team"
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
    def restate(self, day: date) -> None:
        """GitHub revises recent days: give `day` new figures (tests use this)."""
        self.revisions[day] = self.revisions.get(day, 0) + 1
        self._day_cache.pop(day, None)

    @cached_property
    def _day_cache(self) -> dict[date, DayUsage]:
        return {}

    def day_usage(self, day: date) -> DayUsage:
        cached = self._day_cache.get(day)
        if cached is None:
            if len(self._day_cache) > 16:
                self._day_cache.pop(next(iter(self._day_cache)))
            cached = self._day_cache[day] = self._generate_day(day)
        return cached

    def _generate_day(self, day: date) -> DayUsage:
        usage = DayUsage(day)
        if not (self.first_day <= day <= self.last_day):
            return usage
        rng = self._rng("usage", day.isoformat(), self.revisions.get(day, 0))
        style = rng.random()
        date_text = day.isoformat() if style < 0.5 else f"{day.isoformat()}T00:00:00Z"
        # Included minutes and storage run out early in the month: discounts on days 1-3.
        included = day.day <= 3

        for repo in self.repos:
            org = repo.split("/")[0]
            cc = self.usage_cost_center(org, repo, day)
            public = repo in self.public_repos
            if rng.random() < 0.6:
                minutes = Decimal(rng.randint(1, 600))
                if rng.random() < 0.3:
                    minutes = Decimal(rng.randint(1000, 600000)) / 1000
                usage.add_metered(
                    rng,
                    date_text,
                    cc,
                    org,
                    repo,
                    "actions",
                    "Actions Linux",
                    "minutes",
                    minutes,
                    Decimal("0.008"),
                    public or included,
                )
                if rng.random() < 0.2:
                    usage.add_metered(
                        rng,
                        date_text,
                        cc,
                        org,
                        repo,
                        "actions",
                        "Actions Windows",
                        "minutes",
                        Decimal(rng.randint(1, 200)),
                        Decimal("0.016"),
                        public or included,
                    )
                if rng.random() < 0.05:
                    usage.add_metered(
                        rng,
                        date_text,
                        cc,
                        org,
                        repo,
                        "actions",
                        "Actions macOS 3-core",
                        "minutes",
                        Decimal(rng.randint(1, 60)),
                        Decimal("0.08"),
                        public,
                    )
            if rng.random() < 0.5:
                usage.add_metered(
                    rng,
                    date_text,
                    cc,
                    org,
                    repo,
                    "actions",
                    "Actions storage",
                    "GigabyteHours",
                    q9(Decimal(rng.randint(1, 50_000_000_000)) / 1_000_000_000),
                    Decimal("0.00033602"),
                    public or included,
                )
            if rng.random() < 0.1:
                usage.add_metered(
                    rng,
                    date_text,
                    cc,
                    org,
                    repo,
                    "git_lfs",
                    "Git LFS storage",
                    "GigabyteHours",
                    q9(Decimal(rng.randint(1, 20_000_000)) / 1_000_000),
                    Decimal("0.0000958904"),
                    included,
                )
            if rng.random() < 0.05:
                usage.add_metered(
                    rng,
                    date_text,
                    cc,
                    org,
                    repo,
                    "codespaces",
                    "Codespaces compute 4-core",
                    "hours",
                    Decimal(rng.randint(1, 80)) / 10,
                    Decimal("0.36"),
                    False,
                )
        for org in self.orgs:
            cc = self.usage_cost_center(org, None, day)
            usage.add_metered(
                rng,
                date_text,
                cc,
                org,
                None,
                "packages",
                "Packages storage",
                "GigabyteHours",
                q9(Decimal(rng.randint(1, 9_000_000_000)) / 1_000_000_000),
                Decimal("0.000336"),
                included,
            )
            if rng.random() < 0.4:
                usage.add_metered(
                    rng,
                    date_text,
                    cc,
                    org,
                    None,
                    "packages",
                    "Packages data transfer",
                    "gigabytes",
                    Decimal(rng.randint(1, 5000)) / 100,
                    Decimal("0.5"),
                    included,
                )

        self._add_copilot(usage, rng, date_text, day)
        return usage

    def _add_copilot(self, usage: DayUsage, rng: random.Random, date_text: str, day: date) -> None:
        days_in_month = calendar.monthrange(day.year, day.month)[1]
        seats: dict[tuple[str, CostCenter | None, str], int] = defaultdict(int)
        credits = day >= AI_CREDITS_START
        for login, grant in sorted(self.billed_holders(day).items()):
            org = grant.organization or ""
            seats[(org, self.seat_cost_center(grant, day), grant.plan_type)] += 1
            active = grant.last_activity_on is not None and (
                day <= grant.last_activity_on or rng.random() < 0.02
            )
            if not active or rng.random() < 0.3:
                continue
            cc = self.user_cost_center(grant, day)
            for model, multiplier in self.models:
                if rng.random() < 0.5:
                    continue
                if credits:
                    qty = Decimal(rng.randint(1, 600)) * multiplier / 10
                    usage.add_user_usage(
                        day,
                        login,
                        org,
                        cc,
                        model,
                        "Copilot AI Credits",
                        "credits",
                        q9(qty),
                        Decimal("0.01"),
                        day.day <= 5,
                    )
                else:
                    qty = Decimal(rng.randint(1, 12)) * multiplier
                    usage.add_user_usage(
                        day,
                        login,
                        org,
                        cc,
                        model,
                        "Copilot Premium Request",
                        "requests",
                        q9(qty),
                        Decimal("0.04"),
                        day.day <= 7,
                    )
        for (org, cc, plan), count in sorted(
            seats.items(), key=lambda kv: (kv[0][0], kv[0][1].id if kv[0][1] else "", kv[0][2])
        ):
            qty = q9(Decimal(count) / days_in_month)
            product = "copilot" if rng.random() < 0.7 else "Copilot"
            usage.add_item(
                date_text,
                cc,
                org,
                "",
                product,
                SEAT_SKUS[plan],
                "UserMonths",
                qty,
                SEAT_PRICES[plan],
                Decimal(0),
            )
        usage.add_copilot_usage_lines(date_text)

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
                    per_product[item["product"].lower()] += item["netAmount"]
        return {
            "enterprise": self.slug,
            "first_day": self.first_day.isoformat(),
            "last_day": self.last_day.isoformat(),
            "net_total": str(total),
            "net_by_product": {k: str(v) for k, v in sorted(per_product.items())},
            "by_day": per_day,
        }


@dataclass
class DayUsage:
    """One day of usage, grouped by cost-center partition the way GitHub's /usage splits it."""

    day: date
    items_by_partition: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))
    # (partition, cost center name, model, sku, unit, price) -> [gross qty, gross, discount qty,
    # discount]
    model_usage: dict[tuple[str, str, str, str, str, Decimal], list[Decimal]] = field(
        default_factory=dict
    )
    # per-user rows, the grain of GitHub's premium-request / AI-credit report exports
    user_usage: list[dict] = field(default_factory=list)

    def add_item(
        self,
        date_text: str,
        cc: CostCenter | None,
        org: str,
        repo: str | None,
        product: str,
        sku: str,
        unit: str,
        quantity: Decimal,
        price: Decimal,
        discount: Decimal,
    ) -> None:
        gross = q9(quantity * price)
        item: dict = {
            "date": date_text,
            "product": product,
            "sku": sku,
            "quantity": quantity,
            "unitType": unit,
            "pricePerUnit": price,
            "grossAmount": gross,
            "discountAmount": min(discount, gross),
            "netAmount": gross - min(discount, gross),
            "organizationName": org,
        }
        if repo is not None:
            item["repositoryName"] = repo
        self.items_by_partition[cc.id if cc else NO_COST_CENTER].append(item)

    def add_metered(
        self,
        rng: random.Random,
        date_text: str,
        cc: CostCenter | None,
        org: str,
        repo: str | None,
        product: str,
        sku: str,
        unit: str,
        quantity: Decimal,
        price: Decimal,
        discounted: bool,
    ) -> None:
        # GitHub's casing drifts between responses; the simulator drifts the same way.
        if rng.random() < 0.3:
            product = product.capitalize()
        if unit == "minutes" and rng.random() < 0.3:
            unit = "Minutes"
        self.add_item(
            date_text,
            cc,
            org,
            repo,
            product,
            sku,
            unit,
            quantity,
            price,
            q9(quantity * price) if discounted else Decimal(0),
        )

    def add_user_usage(
        self,
        day: date,
        login: str,
        org: str,
        cc: CostCenter | None,
        model: str,
        sku: str,
        unit: str,
        quantity: Decimal,
        price: Decimal,
        discounted: bool,
    ) -> None:
        gross = q9(quantity * price)
        discount = gross if discounted else Decimal(0)
        partition = cc.id if cc else NO_COST_CENTER
        self.user_usage.append(
            {
                "date": day,
                "username": login,
                "organization": org,
                "cost_center_id": partition,
                "cost_center_name": cc.name if cc else "",
                "model": model,
                "sku": sku,
                "unit_type": unit,
                "quantity": quantity,
                "price_per_unit": price,
                "gross_amount": gross,
                "discount_amount": discount,
                "net_amount": gross - discount,
                "discount_quantity": quantity if discounted else Decimal(0),
            }
        )
        key = (partition, cc.name if cc else "", model, sku, unit, price)
        acc = self.model_usage.setdefault(key, [Decimal(0)] * 4)
        acc[0] += quantity
        acc[1] += gross
        acc[2] += quantity if discounted else Decimal(0)
        acc[3] += discount

    def add_copilot_usage_lines(self, date_text: str) -> None:
        """The /usage report carries one line per org and partition for premium requests or AI
        credits; its dollars are exactly the per-user rows summed."""
        lines: dict[tuple[str, str, str, str, Decimal], list[Decimal]] = {}
        for row in self.user_usage:
            key = (
                row["cost_center_id"],
                row["organization"],
                row["sku"],
                row["unit_type"],
                row["price_per_unit"],
            )
            acc = lines.setdefault(key, [Decimal(0)] * 3)
            acc[0] += row["quantity"]
            acc[1] += row["gross_amount"]
            acc[2] += row["discount_amount"]
        for (partition, org, sku, unit, price), (qty, gross, discount) in sorted(lines.items()):
            self.items_by_partition[partition].append(
                {
                    "date": date_text,
                    "product": "copilot",
                    "sku": sku,
                    "quantity": qty,
                    "unitType": unit,
                    "pricePerUnit": price,
                    "grossAmount": gross,
                    "discountAmount": discount,
                    "netAmount": gross - discount,
                    "organizationName": org,
                    "repositoryName": "",
                }
            )

    def model_items(self, partition: str | None, sku_prefix: str) -> list[dict]:
        """Items of the premium_request / ai_credit endpoints for one partition (None = all)."""
        merged: dict[tuple[str, str, str, Decimal], list[Decimal]] = {}
        for (part, _name, model, sku, unit, price), acc in self.model_usage.items():
            if not sku.startswith(sku_prefix) or (partition is not None and part != partition):
                continue
            slot = merged.setdefault((model, sku, unit, price), [Decimal(0)] * 4)
            for i in range(4):
                slot[i] += acc[i]
        return _model_items_json(merged)

    def user_model_items(self, user: str, partition: str | None, sku_prefix: str) -> list[dict]:
        """Items of the premium_request / ai_credit endpoints filtered with `user=`, summed
        over every organization (and cost center unless one is given)."""
        merged: dict[tuple[str, str, str, Decimal], list[Decimal]] = {}
        for row in self.user_usage:
            if row["username"].lower() != user.lower() or not row["sku"].startswith(sku_prefix):
                continue
            if partition is not None and row["cost_center_id"] != partition:
                continue
            key = (row["model"], row["sku"], row["unit_type"], row["price_per_unit"])
            slot = merged.setdefault(key, [Decimal(0)] * 4)
            slot[0] += row["quantity"]
            slot[1] += row["gross_amount"]
            slot[2] += row["discount_quantity"]
            slot[3] += row["discount_amount"]
        return _model_items_json(merged)


def _model_items_json(merged: dict[tuple[str, str, str, Decimal], list[Decimal]]) -> list[dict]:
    return [
        {
            "product": "Copilot",
            "sku": sku,
            "model": model,
            "unitType": unit,
            "pricePerUnit": price,
            "grossQuantity": gq,
            "grossAmount": ga,
            "discountQuantity": dq,
            "discountAmount": da,
            "netQuantity": gq - dq,
            "netAmount": ga - da,
        }
        for (model, sku, unit, price), (gq, ga, dq, da) in sorted(merged.items())
    ]


def utc_datetime(day: date, hour: int = 12) -> str:
    return datetime.combine(day, time(hour), tzinfo=UTC).isoformat().replace("+00:00", "Z")
