"""The PostgreSQL store: dlt's `postgres` destination with its own credentials
(`[destination.postgres.credentials]` or DESTINATION__POSTGRES__CREDENTIALS), the dbt target
`postgres` pointed at the same database, and a session advisory lock for one run at a time."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

import dlt
import psycopg2
from dlt.common.configuration import resolve_configuration
from dlt.common.configuration.exceptions import ConfigurationException
from dlt.common.destination import Destination
from dlt.destinations.impl.postgres.configuration import PostgresCredentials

from pipelines.github_billing.settings import RAW_DATASET
from pipelines.store.base import Session, Store, StoreError

CREDENTIALS_SECTIONS = ("destination", "postgres", "credentials")
CREDENTIALS_HINT = (
    "set [destination.postgres.credentials] in .dlt/secrets.toml or "
    "DESTINATION__POSTGRES__CREDENTIALS=postgresql://user:password@host:5432/database"
)
APPLICATION = "github-billing"
# every schema the project writes: dlt's dataset and its staging copy, dbt's folders, the run log
PROJECT_SCHEMAS = (
    RAW_DATASET,
    f"{RAW_DATASET}_staging",
    "staging",
    "intermediate",
    "marts",
    "focus",
    "reference",
    "github_billing_ops",
)


def configured_credentials() -> PostgresCredentials:
    """dlt's own PostgreSQL credentials, resolved as its destination resolves them."""
    try:
        return resolve_configuration(PostgresCredentials(), sections=CREDENTIALS_SECTIONS)
    except ConfigurationException:
        raise StoreError(
            f"The destination is postgres but no PostgreSQL credentials are configured: "
            f"{CREDENTIALS_HINT}."
        ) from None


def credentials_from_dsn(dsn: str) -> PostgresCredentials:
    credentials = PostgresCredentials()
    credentials.parse_native_representation(dsn)
    return resolve_configuration(credentials, sections=CREDENTIALS_SECTIONS)


class PostgresStore(Store):
    name: ClassVar[str] = "postgres"
    # Arrow pages are written as CSV and loaded with COPY (dlt's fast path for PostgreSQL;
    # its parquet path needs an ADBC driver, and CSV keeps DECIMALs exact as text).
    loader_file_format: ClassVar[str] = "csv"

    def __init__(self, credentials: PostgresCredentials, pipelines_dir: Path | None = None):
        self.credentials = credentials
        self._pipelines_dir = pipelines_dir

    @classmethod
    def from_dsn(cls, dsn: str, pipelines_dir: Path | None = None) -> PostgresStore:
        return cls(credentials_from_dsn(dsn), pipelines_dir)

    def __repr__(self) -> str:
        return f"PostgresStore({self.location!r})"

    @property
    def location(self) -> str:
        c = self.credentials
        return f"postgresql://{c.username}@{c.host}:{c.port}/{c.database}"

    @property
    def pipelines_dir(self) -> Path:
        """A local cache of dlt's state: dlt keeps the state in the database too and restores
        it from there when the folder is gone (another machine, a fresh checkout)."""
        if self._pipelines_dir is not None:
            return self._pipelines_dir
        c = self.credentials
        host = re.sub(r"[^A-Za-z0-9.-]", "_", str(c.host))
        return Path("data") / f".postgres-{host}-{c.port}-{c.database}.dlt"

    @property
    def database_errors(self) -> tuple[type[BaseException], ...]:
        return (psycopg2.Error,)

    def dlt_destination(self) -> Destination[Any, Any]:
        return dlt.destinations.postgres(credentials=self.credentials)

    def dbt_env(self) -> dict[str, str]:
        c = self.credentials
        return {
            "GITHUB_BILLING_DBT_TARGET": "postgres",
            "GITHUB_BILLING_PG_HOST": str(c.host),
            "GITHUB_BILLING_PG_PORT": str(c.port),
            "GITHUB_BILLING_PG_USER": str(c.username),
            "GITHUB_BILLING_PG_PASSWORD": str(c.password or ""),
            "GITHUB_BILLING_PG_DBNAME": str(c.database),
        }

    def reset(self, *accounts: str) -> None:
        """Drop the project's schemas, but only of a database that holds nothing or these
        accounts' demo: a demo never deletes another account's history."""
        with self.session() as db:
            if db.has_table(self.dataset, "billing_accounts"):
                others = [
                    (account,)
                    for (account,) in db.fetchall(
                        f"select billing_account_id from {self.dataset}.billing_accounts"
                    )
                    if account not in accounts
                ]
                if others:
                    raise StoreError(
                        f"{self.location} holds the billing data of {others[0][0]}, which a "
                        "demo would delete: point DESTINATION__POSTGRES__CREDENTIALS at an "
                        "empty database for the demo."
                    )
            for schema in PROJECT_SCHEMAS:
                db.execute(f'drop schema if exists "{schema}" cascade')
        shutil.rmtree(self.pipelines_dir, ignore_errors=True)

    def open_hint(self) -> str:
        return f"Open it with: psql {self.location}  (schemas {self.dataset}, marts, staging)"

    def connect(self, application: str = APPLICATION) -> Any:
        c = self.credentials
        try:
            con = psycopg2.connect(
                host=c.host,
                port=c.port,
                user=c.username,
                password=c.password or None,
                dbname=c.database,
                connect_timeout=c.connect_timeout,
                application_name=application,
            )
        except psycopg2.OperationalError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise StoreError(
                f"Cannot connect to PostgreSQL at {self.location} ({first}): start the server "
                f"or fix the credentials ({CREDENTIALS_HINT})."
            ) from None
        con.autocommit = True
        return con

    @contextmanager
    def session(self, read_only: bool = False) -> Iterator[Session]:
        con = self.connect()
        try:
            if read_only:
                con.set_session(readonly=True, autocommit=True)
            yield Session(con, "%s", self.database_errors)
        finally:
            con.close()

    @property
    def lock_key(self) -> int:
        """The advisory lock's key: one per raw dataset, so two projects can share a server."""
        return zlib.crc32(f"github-billing:{self.dataset}".encode())

    @contextmanager
    def run_lock(self) -> Iterator[None]:
        """A session advisory lock on a connection held for the run: PostgreSQL releases it
        when that connection ends, a killed process included. The holder's process id travels
        in the connection's application_name, so a second run can name it."""
        con = self.connect(application=f"{APPLICATION} run (process {os.getpid()})")
        try:
            cursor = con.cursor()
            cursor.execute("select pg_try_advisory_lock(%s)", [self.lock_key])
            (locked,) = cursor.fetchone()
            if not locked:
                cursor.execute(
                    "select a.application_name from pg_locks l join pg_stat_activity a "
                    "using (pid) where l.locktype = 'advisory' and l.objid = %s and l.granted",
                    [self.lock_key & 0xFFFFFFFF],
                )
                holder = cursor.fetchone()
                found = re.search(r"process \d+", holder[0]) if holder else None
                raise StoreError(
                    f"Another github-billing run is in progress on {self.location}"
                    f"{f' ({found.group(0)})' if found else ''}: "
                    "wait for it to finish, then run again."
                )
            try:
                yield
            finally:
                # at once: the server drops a closed session's locks a moment later
                with contextlib.suppress(psycopg2.Error):
                    cursor.execute("select pg_advisory_unlock(%s)", [self.lock_key])
        finally:
            con.close()

    def run_in_progress(self) -> bool:
        con = self.connect()
        try:
            cursor = con.cursor()
            cursor.execute("select pg_try_advisory_lock(%s)", [self.lock_key])
            (free,) = cursor.fetchone()
            if free:
                cursor.execute("select pg_advisory_unlock(%s)", [self.lock_key])
            return not free
        finally:
            con.close()
