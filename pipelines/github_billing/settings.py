"""Constants of the github_billing source: API paths, versions and loading defaults."""

from datetime import date

DEFAULT_BASE_URL = "https://api.github.com"
API_VERSION = "2022-11-28"
USER_AGENT = "github-billing-elt"
ACCEPT = "application/vnd.github+json"

PIPELINE_NAME = "github_billing"
RAW_DATASET = "github_billing_raw"
DEFAULT_DUCKDB_PATH = "data/github_billing.duckdb"
# DuckDB settings of dlt's load connection. DuckDB otherwise caches up to 80% of RAM and a load
# (a merge through a staging copy) grows with the rows loaded; with a cap it spills instead, and a
# ten-times-larger backfill stays within the same memory (`make bench`, P4). Raw tables need no
# row order, and without it DuckDB streams the copy and the merge on both cores within that cap:
# a 2 M-row load took 2.9 s instead of 5.3 s with one thread in insertion order (P1).
DUCKDB_LOAD_CONFIG = {"memory_limit": "128MB", "threads": 2, "preserve_insertion_order": False}

# GitHub restates recent days; every run re-reads this many days before the last loaded one.
DEFAULT_LOOKBACK_DAYS = 7
# GitHub serves only the past 24 months of usage.
HISTORY_MONTHS = 24
# Copilot billed premium requests until 2026-05-31 and AI credits from 2026-06-01.
AI_CREDITS_START = date(2026, 6, 1)
NO_COST_CENTER = "none"
SEATS_PER_PAGE = 100
# Requests left in the hourly budget at which the client waits for the reset rather than spend
# them: a margin for other tools sharing the token, and for retries.
RATE_LIMIT_LOW_WATER = 25
# /usage and model-usage requests a run may have in flight at once (`max_parallel_requests`).
# Serial by default, as GitHub's REST guidance asks ("make requests serially"): at its ~0.3-0.5 s
# latency a serial run already could send 7,200-12,000 requests an hour, more than the 5,000 the
# budget allows, so parallel requests only shorten runs that fit in one hour's budget (a nightly
# run, a first month), and they are opt-in. The cap keeps a run under GitHub's documented
# secondary limit of 900 requests a minute per endpoint: 4 in flight at ~0.3 s is ~800 a minute.
DEFAULT_MAX_PARALLEL_REQUESTS = 1
MAX_PARALLEL_REQUESTS = 4

ENTERPRISE_PATH = "/enterprises/{enterprise}"
USAGE_PATH = ENTERPRISE_PATH + "/settings/billing/usage"
SUMMARY_PATH = ENTERPRISE_PATH + "/settings/billing/usage/summary"
PREMIUM_REQUEST_PATH = ENTERPRISE_PATH + "/settings/billing/premium_request/usage"
AI_CREDIT_PATH = ENTERPRISE_PATH + "/settings/billing/ai_credit/usage"
COST_CENTERS_PATH = ENTERPRISE_PATH + "/settings/billing/cost-centers"
SEATS_PATH = ENTERPRISE_PATH + "/copilot/billing/seats"
REPORTS_PATH = ENTERPRISE_PATH + "/settings/billing/reports"
REPORT_PATH = REPORTS_PATH + "/{report_id}"
# An organization-scoped account: billing under /organizations/{org}, seats under /orgs/{org}
# (GitHub's two spellings), and no cost centers or report exports.
ORGANIZATION_BILLING_PATH = "/organizations/{organization}/settings/billing"
ORG_USAGE_PATH = ORGANIZATION_BILLING_PATH + "/usage"
ORG_SUMMARY_PATH = ORGANIZATION_BILLING_PATH + "/usage/summary"
ORG_PREMIUM_REQUEST_PATH = ORGANIZATION_BILLING_PATH + "/premium_request/usage"
ORG_AI_CREDIT_PATH = ORGANIZATION_BILLING_PATH + "/ai_credit/usage"
ORG_SEATS_PATH = "/orgs/{organization}/copilot/billing/seats"
BUDGETS_PATH = ENTERPRISE_PATH + "/settings/billing/budgets"
USER_STATES_PATH = BUDGETS_PATH + "/{budget_id}/user-states"
# GitHub's maximum page size for budgets and user states (its default is 10)
BUDGETS_PER_PAGE = 100

# Usage-report exports: GitHub builds one report per account at a time, of at most 31 days
# (detailed, premium_request, ai_credit). Polls wait EXPORT_POLL_SECONDS, doubling up to
# EXPORT_MAX_POLL_SECONDS; a report still processing after EXPORT_TIMEOUT_SECONDS is left for
# the next run. GITHUB_BILLING_EXPORT_POLL_SECONDS / _TIMEOUT_SECONDS override (tests, demo).
REPORT_MAX_DAYS = 31
# A summarized report covers at most one year: 365 days, so that no leap year takes it over.
SUMMARIZED_MAX_DAYS = 365
# GitHub's premium-request reports hold usage from 2025-10-01 on: earlier days stay on JSON.
PREMIUM_REQUEST_REPORTS_FROM = date(2025, 10, 1)
EXPORT_POLL_SECONDS = 5.0
EXPORT_MAX_POLL_SECONDS = 60.0
EXPORT_TIMEOUT_SECONDS = 1800.0

# Money, quantities and prices: GitHub sends up to nine decimals on amounts and ten on some
# unit prices; twelve places keep them exact, 38 digits leave room for any sum. Float noise past
# twelve places (0.30000000000000004) is rounded half-even.
MONEY_PRECISION = 38
MONEY_SCALE = 12
