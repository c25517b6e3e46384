"""The kind of billing account a load reads, and what the kind decides: the API paths, which
resources exist, which tokens GitHub accepts, and how a sentence names the account.

An enterprise bills under `/enterprises/{slug}`, with cost centers and usage-report exports.
An organization-scoped account (an organization that pays GitHub itself) bills under
`/organizations/{org}/settings/billing` and lists seats under `/orgs/{org}/copilot/billing`;
it has no cost centers and no exports, and its per-user Copilot usage comes through the `user=`
filter. GitHub's enterprise billing endpoints take classic tokens only; the organization ones
also take a fine-grained token with the organization permission Administration (read)
(shared/reference/github-billing-api-notes.md, section 4).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from pipelines.github_billing.rows import enterprise_slug
from pipelines.github_billing.settings import (
    AI_CREDIT_PATH,
    ORG_AI_CREDIT_PATH,
    ORG_PREMIUM_REQUEST_PATH,
    ORG_SEATS_PATH,
    ORG_SUMMARY_PATH,
    ORG_USAGE_PATH,
    PREMIUM_REQUEST_PATH,
    SEATS_PATH,
    SUMMARY_PATH,
    USAGE_PATH,
)

ENTERPRISE = "enterprise"
ORGANIZATION = "organization"

# The enterprise endpoints an organization account has, and where they are for it. Cost
# centers and report exports have no organization counterpart.
_ORGANIZATION_PATHS = {
    USAGE_PATH: ORG_USAGE_PATH,
    SUMMARY_PATH: ORG_SUMMARY_PATH,
    PREMIUM_REQUEST_PATH: ORG_PREMIUM_REQUEST_PATH,
    AI_CREDIT_PATH: ORG_AI_CREDIT_PATH,
    SEATS_PATH: ORG_SEATS_PATH,
}


class NotForAccount(ValueError):
    """An endpoint the account's kind does not have (a programming error, never user input)."""


@dataclass(frozen=True)
class BillingAccount:
    """One billing account on one API host: `kind` is "enterprise" or "organization", `login`
    the enterprise slug or the organization's login, `name` the account's identity in the store
    (every raw row's `billing_account_id`; the login unless configured otherwise)."""

    kind: str
    login: str
    name: str = ""

    def __post_init__(self) -> None:
        if not self.name:
            object.__setattr__(self, "name", self.login)

    def named(self, name: str | None) -> BillingAccount:
        """This account under another name in the store (None or blank keeps its own)."""
        if not name or not str(name).strip():
            return self
        return replace(self, name=str(name).strip())

    @classmethod
    def from_config(cls, enterprise: str | None, organization: str | None) -> BillingAccount:
        """The account the source's `enterprise=` or `organization=` names (exactly one), or
        ValueError with the sentence to show."""
        has_enterprise = bool(enterprise and str(enterprise).strip())
        has_organization = bool(organization and str(organization).strip())
        if has_enterprise == has_organization:
            raise ValueError(
                "Configure exactly one of enterprise (an enterprise's slug) and organization "
                "(an organization-scoped billing account's login)"
                + (", not both." if has_enterprise else "; neither is set.")
            )
        if has_enterprise:
            return cls(ENTERPRISE, enterprise_slug(str(enterprise)))
        return cls(ORGANIZATION, organization_login(str(organization)))

    @property
    def is_organization(self) -> bool:
        return self.kind == ORGANIZATION

    @property
    def has_cost_centers(self) -> bool:
        return not self.is_organization

    @property
    def has_exports(self) -> bool:
        """GitHub's usage-report export API exists for enterprises only."""
        return not self.is_organization

    @property
    def accepts_fine_grained_tokens(self) -> bool:
        return self.is_organization

    @property
    def admin(self) -> str:
        """Who may read the account's billing, for sentences."""
        if self.is_organization:
            return "an organization owner"
        return "an enterprise owner or billing manager"

    def path(self, template: str, **kwargs: str) -> str:
        """An endpoint (a settings.py enterprise template) for this account."""
        if self.is_organization:
            org_template = _ORGANIZATION_PATHS.get(template)
            if org_template is None:
                raise NotForAccount(f"organization accounts have no {template}")
            return org_template.format(organization=self.login, **kwargs)
        return template.format(enterprise=self.login, **kwargs)

    def not_found(self, base_url: str, endpoint: str) -> str:
        """The sentence for GitHub's 404 on the account's own endpoints."""
        if self.is_organization:
            return (
                f"GitHub found no organization '{self.login}' at {base_url} (404 on {endpoint}): "
                "check the login (the part after github.com/ in your organization's URL) and that "
                "the token belongs to one of its owners."
            )
        return (
            f"GitHub found no enterprise '{self.login}' at {base_url} (404 on {endpoint}): "
            "check the slug (the part after /enterprises/ in your enterprise URL) and that the "
            "token's account can see it."
        )


def organization_login(value: str) -> str:
    """Accept `octo-shop`, `https://github.com/octo-shop` or `https://github.com/orgs/octo-shop`."""
    text = value.strip()
    if "://" in text or text.startswith("github.com/"):
        parts = [
            p for p in urlsplit(text if "://" in text else f"https://{text}").path.split("/") if p
        ]
        if parts and parts[0] == "orgs":
            parts = parts[1:]
        if not parts:
            raise ValueError(
                f"'{value}' is not an organization URL: expected https://github.com/<login>."
            )
        return parts[0]
    return text.strip("/")
