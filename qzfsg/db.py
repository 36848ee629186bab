"""The SQLite database: where it is, how it is opened, and its schema version.

The only module that creates engines. SQLite runs with foreign keys on, in WAL mode and
with a busy timeout, so that two qzfsg commands at once wait for each other instead of
failing.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, event, text
from sqlalchemy.exc import DatabaseError as SADatabaseError
from sqlmodel import Session, SQLModel

from qzfsg import models
from qzfsg.errors import DatabaseError

SCHEMA_VERSION = 1
ENV_VAR = "QZFSG_DB"
DEFAULT_NAME = "qzfsg.db"
BUSY_TIMEOUT_MS = 10_000

# MIGRATIONS[n] upgrades a database at schema version n to n + 1, in place.
MIGRATIONS: dict[int, Callable[[Connection], None]] = {}


def database_path(option: Path | None = None) -> Path:
    """--db wins, then $QZFSG_DB, then qzfsg.db in the current folder."""
    if option is not None:
        return option
    env = os.environ.get(ENV_VAR)
    return Path(env) if env else Path(DEFAULT_NAME)


def archive_dir(db_path: Path) -> Path:
    """Where received files are kept, beside the database."""
    return db_path.parent / f"{db_path.stem}-archive"


def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


_ENGINES: list[Engine] = []


def _engine(path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{path}")
    event.listen(engine, "connect", _on_connect)
    _ENGINES.append(engine)
    return engine


def close_all() -> None:
    """Close every connection this process opened. SQLite folds the write-ahead log back
    into the database file when its last connection closes, so that `qzfsg.db` alone is
    the whole database again (to copy, back up or send)."""
    while _ENGINES:
        _ENGINES.pop().dispose()


def create_database(path: Path, facts: dict[str, str]) -> Engine:
    """A new database with every table and the given facts (campaign year…) recorded."""
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
    if not path.is_file():
        raise DatabaseError(
            f"找不到数据库 {path}。请先运行 qzfsg init 创建数据库，"
            f"或用 --db 或环境变量 {ENV_VAR} 指定数据库文件。"
        )
    engine = _engine(path)
    version = schema_version(engine, path)
    if version > SCHEMA_VERSION:
        raise DatabaseError(
            f"数据库 {path} 由更新版本的 qzfsg 创建（结构版本 {version}，"
            f"本程序只认识到 {SCHEMA_VERSION}）。请升级 qzfsg 后再使用，数据库未作改动。"
        )
    if version < SCHEMA_VERSION:
        upgrade(engine, path, version)
    return engine


def schema_version(engine: Engine, path: Path) -> int:
    try:
        with engine.connect() as conn:
            row = conn.execute(text("SELECT value FROM meta WHERE key = 'schema_version'")).first()
    except SADatabaseError:
        row = None
    if row is None:
        raise DatabaseError(f"{path} 不是 qzfsg 数据库（或已损坏）。请检查 --db 指定的文件。")
    return int(row[0])


def upgrade(engine: Engine, path: Path, version: int) -> Path:
    """Back the database up beside itself, then run each migration in one transaction."""
    backup = path.with_name(f"{path.name}.bak-v{version}-{datetime.now():%Y%m%d%H%M%S}")
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copy2(path, backup)
    with engine.begin() as conn:
        while version < SCHEMA_VERSION:
            MIGRATIONS[version](conn)
            version += 1
        conn.execute(
            text("UPDATE meta SET value = :v WHERE key = 'schema_version'"),
            {"v": str(version)},
        )
    return backup


def read_fact(session: Session, key: str) -> str | None:
    meta = session.get(models.Meta, key)
    return meta.value if meta else None


def driver_connection(session: Session) -> sqlite3.Connection:
    """The sqlite3 connection under the session, inside the session's transaction: for the
    few hot statements of a bulk import, where SQLAlchemy's per-statement work would cost
    more than the statement itself."""
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
    with Session(engine, expire_on_commit=False) as session:
        yield session
