"""The SQLite database: where it is, how it is opened, and its schema version.

The only module that opens database files and creates engines. `connect` is the one way a
file becomes a connection: the read path (`open_reader`, plain sqlite3, no SQLAlchemy
imported) uses it directly, the engine of the write path uses it as its creator. SQLite
runs with foreign keys on, in WAL mode and with a busy timeout, so that two qzfsg
commands at once wait for each other instead of failing.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qzfsg.errors import DatabaseError
from qzfsg.queries.calendar import fact

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine, Table
    from sqlmodel import Session

SCHEMA_VERSION = 2
ENV_VAR = "QZFSG_DB"
DEFAULT_NAME = "qzfsg.db"
BUSY_TIMEOUT_MS = 10_000
NOT_QZFSG = "{path} 不是 qzfsg 数据库（或已损坏）。请检查 --db 指定的文件。"


def _received_order(conn: Connection) -> None:
    from qzfsg.migrations import received_order

    received_order(conn)


# MIGRATIONS[n] upgrades a database at schema version n to n + 1, in place (the upgrades
# themselves are in qzfsg.migrations, imported only when one runs).
MIGRATIONS: dict[int, Callable[[Connection], None]] = {1: _received_order}


def database_path(option: Path | None = None) -> Path:
    """--db wins, then $QZFSG_DB, then qzfsg.db in the current folder."""
    if option is not None:
        return option
    env = os.environ.get(ENV_VAR)
    return Path(env) if env else Path(DEFAULT_NAME)


def archive_dir(db_path: Path) -> Path:
    """Where received files are kept, beside the database."""
    return db_path.parent / f"{db_path.stem}-archive"


def connect(path: Path) -> sqlite3.Connection:
    """A connection to the database file at `path`, configured. Open-time checks of the
    file belong here, before the first pragma that may write."""
    connection = sqlite3.connect(path, check_same_thread=False)
    try:
        for pragma in (
            f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}",
            "PRAGMA foreign_keys = ON",
            "PRAGMA journal_mode = WAL",
            "PRAGMA synchronous = NORMAL",
        ):
            connection.execute(pragma)
    except sqlite3.DatabaseError:
        connection.close()
        raise DatabaseError(NOT_QZFSG.format(path=path)) from None
    return connection


_ENGINES: list[Engine] = []
_READERS: list[sqlite3.Connection] = []


def _engine(path: Path) -> Engine:
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{path}", creator=lambda: connect(path))
    _ENGINES.append(engine)
    return engine


def close_all() -> None:
    """Close every connection this process opened. SQLite folds the write-ahead log back
    into the database file when its last connection closes, so that `qzfsg.db` alone is
    the whole database again (to copy, back up or send)."""
    while _READERS:
        _READERS.pop().close()
    while _ENGINES:
        _ENGINES.pop().dispose()


def _require_file(path: Path) -> None:
    if not path.is_file():
        raise DatabaseError(
            f"找不到数据库 {path}。请先运行 qzfsg init 创建数据库，"
            f"或用 --db 或环境变量 {ENV_VAR} 指定数据库文件。"
        )


def _check_version(version: int, path: Path) -> None:
    if version > SCHEMA_VERSION:
        raise DatabaseError(
            f"数据库 {path} 由更新版本的 qzfsg 创建（结构版本 {version}，"
            f"本程序只认识到 {SCHEMA_VERSION}）。请升级 qzfsg 后再使用，数据库未作改动。"
        )


def open_reader(path: Path) -> sqlite3.Connection:
    """The existing database at `path` for the read commands: a plain DB-API connection
    (no SQLAlchemy), checked like `open_database`; an older schema is upgraded first."""
    _require_file(path)
    connection = connect(path)
    _READERS.append(connection)
    version = _version_of(connection, path)
    _check_version(version, path)
    if version < SCHEMA_VERSION:
        open_database(path)  # the migrations run on the engine
    return connection


def _version_of(connection: Any, path: Path) -> int:
    try:
        found = fact(connection, "schema_version")
    except sqlite3.DatabaseError:
        found = None
    if found is None:
        raise DatabaseError(NOT_QZFSG.format(path=path))
    return int(found)


def create_database(path: Path, facts: dict[str, str]) -> Engine:
    """A new database with every table and the given facts (campaign year…) recorded."""
    from sqlalchemy.exc import DatabaseError as SADatabaseError
    from sqlmodel import Session, SQLModel

    from qzfsg import models

    if path.exists():
        raise DatabaseError(f"数据库 {path} 已存在。")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = _engine(path)
        SQLModel.metadata.create_all(engine)
    except (OSError, SADatabaseError) as exc:
        raise DatabaseError(f"无法在 {path} 创建数据库：{exc}") from None
    with Session(engine) as session:
        for key, value in {"schema_version": str(SCHEMA_VERSION), **facts}.items():
            session.add(models.Meta(key=key, value=value))
        session.commit()
    return engine


def open_database(path: Path) -> Engine:
    """The existing database at `path`, upgraded in place if its schema is older."""
    _require_file(path)
    engine = _engine(path)
    version = schema_version(engine, path)
    _check_version(version, path)
    if version < SCHEMA_VERSION:
        upgrade(engine, path, version)
    return engine


def schema_version(engine: Engine, path: Path) -> int:
    with engine.connect() as conn:
        return _version_of(conn.connection.driver_connection, path)


def upgrade(engine: Engine, path: Path, version: int) -> Path:
    """Back the database up beside itself, then run each migration in one transaction."""
    from sqlalchemy import text

    backup = path.with_name(f"{path.name}.bak-v{version}-{datetime.now():%Y%m%d%H%M%S}")
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copy2(path, backup)
    with engine.begin() as conn:
        # Under the write lock: another command may have upgraded it meanwhile.
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        version = _version_of(conn.connection.driver_connection, path)
        while version < SCHEMA_VERSION:
            MIGRATIONS[version](conn)
            version += 1
        conn.execute(
            text("UPDATE meta SET value = :v WHERE key = 'schema_version'"),
            {"v": str(version)},
        )
    return backup


def begin_write(session: Session) -> sqlite3.Connection:
    """Open the session's write transaction now, taking the database's write lock before
    anything is read (SQLite: BEGIN IMMEDIATE; another writer waits for the busy timeout),
    so that what the transaction decides from its reads (a duplicate, a version) still
    holds when it commits. The driver connection, inside that transaction."""
    connection = driver_connection(session)
    if not connection.in_transaction:
        connection.execute("BEGIN IMMEDIATE")
    return connection


def driver_connection(session: Session) -> sqlite3.Connection:
    """The DB-API connection under the session, inside the session's transaction: what the
    queries of `qzfsg.queries` run on when a command also writes through the ORM."""
    return session.connection().connection.driver_connection  # type: ignore[return-value]


class RowWriter:
    """An INSERT into one table through the driver connection that binds values with the
    columns' own SQLAlchemy types, so the rows read back exactly as if the ORM wrote them."""

    def __init__(self, session: Session, table: Table, columns: Sequence[str]):
        dialect = session.get_bind().dialect
        self.columns = list(columns)
        self.sql = (
            f"INSERT INTO {table.name} ({', '.join(self.columns)}) "
            f"VALUES ({', '.join('?' * len(self.columns))})"
        )
        self.binders = [table.c[name].type.bind_processor(dialect) for name in self.columns]

    def _row(self, values: Mapping[str, Any]) -> tuple:
        return tuple(
            value if bind is None or value is None else bind(value)
            for bind, value in zip(self.binders, (values[c] for c in self.columns), strict=True)
        )

    def insert(self, connection: sqlite3.Connection, values: Mapping[str, Any]) -> int:
        return int(connection.execute(self.sql, self._row(values)).lastrowid or 0)

    def insert_many(
        self, connection: sqlite3.Connection, rows: Iterable[Mapping[str, Any]]
    ) -> None:
        connection.executemany(self.sql, [self._row(r) for r in rows])


@contextmanager
def session_for(engine: Engine) -> Iterator[Session]:
    """A session whose objects stay readable after commit (for rendering)."""
    from sqlmodel import Session

    with Session(engine, expire_on_commit=False) as session:
        yield session
