"""The FinOps Foundation's focus-validator, run as CI runs it: from its own Python 3.12 venv
(`make focus-validator`), from its package folder (it opens its currency list by a relative
path), reading its JUnit report (it exits 0 even when rules fail)."""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VENV = PROJECT_ROOT / ".venv-focus"

# Offline the validator has FOCUS 1.2's rules only (1.3's are downloaded at run time).
RULES_VERSION = "1.2"
# What is true of GitHub's billing data: a named enterprise, public list prices per unit, metered
# usage, organizations as sub-accounts, repositories as typed resources, tags (cost centers), and
# the prices the bill uses. Not: zones, regions, capacity reservations, commitment discounts,
# several pricing categories, account or sub-account types, other currencies.
APPLICABILITY_CRITERIA = (
    "ACCOUNT_NAMING_SUPPORTED",
    "PUBLIC_PRICE_LIST_SUPPORTED",
    "USAGE_MEASUREMENT_SUPPORTED",
    "UNIT_PRICING_SUPPORTED",
    "NEGOTIATED_PRICING_SUPPORTED",
    "SUB_ACCOUNT_SUPPORTED",
    "BILLING_BASED_ON_PROVISIONED_RESOURCES_SUPPORTED",
    "RESOURCE_TYPE_ASSIGNMENT_SUPPORTED",
    "TAGGING_SUPPORTED",
)
# The validator's two InvoiceId nullability rules contradict each other with no condition:
# C-004 requires InvoiceId to be null, C-005 forbids null. GitHub's API names no invoice, so
# InvoiceId is null and C-005 is the one failure every file has.
ACCEPTED_FAILURES = frozenset({"InvoiceId-C-005-C"})


def ensure_validator() -> Path:
    """The validator's venv, created once (cached by the Makefile's stamp)."""
    subprocess.run(["make", "-s", "focus-validator"], cwd=PROJECT_ROOT, check=True)
    (site_packages,) = VENV.glob("lib/python3.*/site-packages")
    return site_packages


def failed_rules(data_file: Path, report: Path) -> set[str]:
    """Run the validator on one Parquet or CSV file; the ids of the rules that failed."""
    site_packages = ensure_validator()
    subprocess.run(
        [
            str(VENV / "bin" / "focus-validator"),
            "--data-file",
            str(data_file),
            "--validate-version",
            RULES_VERSION,
            "--block-download",
            "--applicability-criteria",
            ",".join(APPLICABILITY_CRITERIA),
            "--output-type",
            "unittest",
            "--output-destination",
            str(report),
        ],
        cwd=site_packages,
        check=True,
        capture_output=True,
    )
    cases = list(ET.parse(report).getroot().iter("testcase"))
    assert len(cases) > 500, f"the validator ran only {len(cases)} rules"
    return {
        case.get("name", "").split(" :: ")[0]
        for case in cases
        if case.find("failure") is not None or case.find("error") is not None
    }
