"""Stores built before billing accounts had names: their raw tables lack `billing_account_id`
and their dlt state belongs to the one pipeline of those versions, `github_billing`.

Such a store held exactly one account, the one its `billing_accounts` row names. When that
account is configured (under any name), the store is migrated in place, keeping its history:
every raw table gets the column, filled with the account's name; the run log's runs are that
account's; dlt's state (incremental cursors, drift totals, export state) moves to the account's
own pipeline, so the next run goes on from where the last one stopped. A store whose account is
not configured is left untouched, with a sentence saying what to configure.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Sequence
from dataclasses import dataclass

from dlt.common.versioned_state import compress_state, decompress_state

from pipelines.accounts_config import Account
from pipelines.github_billing.config import validated_account
from pipelines.github_billing.settings import PIPELINE_NAME
from pipelines.store import Session, Store, StoreError
from pipelines.store.runlog import OPS_SCHEMA, RUNS_TABLE

logger = logging.getLogger(__name__)

ACCOUNT_COLUMN = "billing_account_id"
STATE_TABLE = "_dlt_pipeline_state"
STAGING_SUFFIX = "_staging"  # dlt's staging dataset of a merge: <dataset>_staging


@dataclass
class OldStore:
    """What a store of the versions before accounts holds."""

    tables_without_account: list[str]
    has_old_state: bool
    logins: list[tuple[str, str | None]]  # (slug or login, API base URL) of billing_accounts


def inspect(db: Session, dataset: str) -> OldStore | None:
    """The store's pre-account leftovers, or None when there are none."""
    tables = [
        name
        for (name,) in db.fetchall(
            "select t.table_name from information_schema.tables t where t.table_schema = ? "
            "and t.table_name not like '\\_dlt%' escape '\\' and not exists (select 1 from "
            "information_schema.columns c where c.table_schema = t.table_schema and "
            "c.table_name = t.table_name and c.column_name = ?) order by 1",
            [dataset, ACCOUNT_COLUMN],
        )
    ]
    old_state = db.has_table(dataset, STATE_TABLE) and bool(
        (
            db.fetchone(
                f"select count(*) from {dataset}.{STATE_TABLE} where pipeline_name = ?",
                [PIPELINE_NAME],
            )
            or (0,)
        )[0]
    )
    if not tables and not old_state:
        return None
    logins: list[tuple[str, str | None]] = []
    if db.has_table(dataset, "billing_accounts"):
        logins = [
            (str(login), url)
            for login, url in db.fetchall(
                "select distinct billing_account_name, api_base_url "
                f"from {dataset}.billing_accounts"
            )
        ]
    return OldStore(tables, old_state, logins)


def _owner(old: OldStore, accounts: Sequence[Account], location: str) -> Account:
    """The configured account the old store's data belongs to; StoreError if none is."""

    def login_of(account: Account) -> str:
        return validated_account(account.config.enterprise, account.config.organization).login

    if len(old.logins) == 1:
        login, url = old.logins[0]
        found = [a for a in accounts if login_of(a).lower() == login.lower()]
        if len(found) > 1:  # the same slug on two hosts: the host decides
            found = [a for a in found if a.config.base_url == url]
        if len(found) == 1:
            return found[0]
        raise StoreError(
            f"{location} holds the billing data of '{login}' ({url}), loaded before billing "
            "accounts had names, and no configured account is that one: configure it (its "
            "enterprise or organization and base_url) so the run migrates its history, or "
            "point --db at another database."
        )
    if not old.logins and len(accounts) == 1:
        return accounts[0]
    raise StoreError(
        f"{location} was built before billing accounts had names and holds no single account "
        "to give its rows to: point --db at a new database and run again to rebuild it."
    )


def migrate(store: Store, accounts: Sequence[Account]) -> str | None:
    """Migrate a store of the versions before accounts for `accounts` (the configured ones);
    the sentence saying what was done, or None when the store needed nothing."""
    if not store.exists():
        return None
    with store.session(read_only=True) as db:
        old = inspect(db, store.dataset)
    if old is None:
        return None
    owner = _owner(old, accounts, store.location)
    _finish_pending_packages(store)
    with store.session() as db:
        for table in old.tables_without_account:
            db.execute(f'alter table {store.dataset}."{table}" add column {ACCOUNT_COLUMN} varchar')
            db.execute(f'update {store.dataset}."{table}" set {ACCOUNT_COLUMN} = ?', [owner.name])
        # the one account's row was keyed by its slug
        if "billing_accounts" not in old.tables_without_account and db.has_table(
            store.dataset, "billing_accounts"
        ):
            db.execute(
                f"update {store.dataset}.billing_accounts set {ACCOUNT_COLUMN} = ?", [owner.name]
            )
        _move_state(db, store.dataset, owner.pipeline_name)
        # dlt's scratch copies of the last load, in the old shape: dlt makes them again, but
        # cannot add the account column (NOT NULL) to staging tables that still hold rows
        db.execute(f'drop schema if exists "{store.dataset}{STAGING_SUFFIX}" cascade')
        if db.has_table(OPS_SCHEMA, "runs"):
            db.execute(f"alter table {RUNS_TABLE} add column if not exists account varchar")
            db.execute(f"update {RUNS_TABLE} set account = ? where account is null", [owner.name])
    shutil.rmtree(store.pipelines_dir / PIPELINE_NAME, ignore_errors=True)
    return (
        f"{store.location} was built before billing accounts had names: migrated in place to "
        f"account '{owner.name}' (its {len(old.tables_without_account)} raw tables got "
        f"{ACCOUNT_COLUMN} = '{owner.name}', and dlt's state moved to pipeline "
        f"{owner.pipeline_name}); its history is kept."
    )


def _finish_pending_packages(store: Store) -> None:
    """A killed run of the old pipeline may have left packages: load them in the old shape."""
    if not (store.pipelines_dir / PIPELINE_NAME).is_dir():
        return
    pipeline = store.make_pipeline()
    if pipeline.has_pending_data:
        logger.warning("finishing the load packages an interrupted run left behind")
        pipeline.normalize()
        pipeline.load()


def _move_state(db: Session, dataset: str, new_name: str) -> None:
    """dlt's state rows of the old pipeline become the account pipeline's: the name is in the
    row and inside the compressed state, and dlt restores only a state that names it."""
    if not db.has_table(dataset, STATE_TABLE):
        return
    rows = db.fetchall(
        f"select version, state from {dataset}.{STATE_TABLE} where pipeline_name = ?",
        [PIPELINE_NAME],
    )
    for version, blob in rows:
        state = decompress_state(blob)
        state["pipeline_name"] = new_name
        db.execute(
            f"update {dataset}.{STATE_TABLE} set pipeline_name = ?, state = ? "
            "where pipeline_name = ? and version = ?",
            [new_name, compress_state(state), PIPELINE_NAME, version],  # type: ignore[arg-type]
        )
