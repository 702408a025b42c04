"""Engine, sessions and migrations for SQLite (embedded default) and PostgreSQL (multi-user)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"
#: Connections kept open, and how many more a burst may open (SQLAlchemy's QueuePool).
POOL_SIZE = 20
POOL_OVERFLOW = 30


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers go on while one writer commits; FULL sync keeps every commit on disk.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


@dataclass
class Database:
    """One database: its engine and a session factory."""

    engine: Engine
    sessions: sessionmaker[Session]

    @property
    def url(self) -> str:
        """The URL, password hidden."""
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def is_sqlite(self) -> bool:
        """Whether this is the embedded SQLite database."""
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work commits together at the end, or not at all."""
        with self.sessions.begin() as session:
            yield session

    def migrate(self) -> None:
        """Bring the schema to the latest Alembic revision (idempotent)."""
        with self.engine.begin() as connection:
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS))
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def table_names(self) -> list[str]:
        """Names of the tables that exist now."""
        return sorted(inspect(self.engine).get_table_names())

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def create_database(url: str, *, echo: bool = False) -> Database:
    """Build the engine for ``url``, creating the SQLite folder when needed."""
    connect_args: dict[str, Any] = {}
    # One pooled connection per worker thread (the web service runs sync endpoints on a
    # 40-thread pool): the default 5 + 10 left requests queueing for a connection.
    pool: dict[str, Any] = {"pool_size": POOL_SIZE, "max_overflow": POOL_OVERFLOW}
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        else:
            pool = {}  # an in-memory database lives in one connection's pool
        connect_args = {"timeout": 30}
        # A file on this machine cannot drop the connection: no ping per checkout.
        pool["pool_pre_ping"] = False
    else:
        pool["pool_pre_ping"] = True
    engine = create_engine(url, echo=echo, connect_args=connect_args, **pool)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return Database(engine=engine, sessions=sessionmaker(engine, expire_on_commit=False))
