"""The PostgreSQL database (server mode): its address, its connections and its faults.

`db` is the one module that chooses between the SQLite file and this; nothing else asks
which database it talks to. An address is `postgresql://user@host[:port]/dbname` (libpq's
URL, so `?host=/socket/folder` and the rest work too); the password comes from where
libpq looks (~/.pgpass, $PGPASSWORD) or from the URL, and is never shown: every message
names the address without password or options (`str(address)`).

psycopg is imported only here, and only when a postgresql:// address is used.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from qzfsg.errors import DatabaseError

if TYPE_CHECKING:
    from sqlalchemy import Engine

SCHEMES = ("postgresql://", "postgres://")
# The key of the transaction-level advisory lock every writer takes (see `take_write_lock`).
WRITE_LOCK_KEY = 0x717A6673  # "qzfs"
CONNECT_TIMEOUT_S = 10
# Every session runs without JIT compilation: qzfsg's larger statements (overdue's compound
# query over 50,000 units, say) cost enough for PostgreSQL to compile them, 10 s of a 14 s
# statement that runs in 3.5 s uncompiled; none ran faster compiled (tests/bench/postgresql).
SESSION_OPTIONS = "-c jit=off"


def is_address(text: str) -> bool:
    return text.lower().startswith(SCHEMES)


@dataclass(frozen=True)
class ServerAddress:
    """A PostgreSQL database named by its URL; shown without password or options."""

    url: str

    def __str__(self) -> str:
        return shown(self.url)


def shown(url: str) -> str:
    """The URL without its password and options: postgresql://user@host:port/dbname."""
    try:
        parts = urlsplit(url)
        user = f"{parts.username}@" if parts.username else ""
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "postgresql://…"
    return f"{parts.scheme}://{user}{host}{port}{parts.path}"


def connect(address: ServerAddress, autocommit: bool = True) -> Any:
    """A psycopg connection to the database; a refused connection is a DatabaseError
    that names the address (never its password) and what to check."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    try:
        # The address's own options (or $PGOPTIONS, which options given here would hide) first.
        own = conninfo_to_dict(address.url).get("options") or os.environ.get("PGOPTIONS", "")
        return psycopg.connect(
            address.url,
            autocommit=autocommit,
            connect_timeout=CONNECT_TIMEOUT_S,
            options=f"{own} {SESSION_OPTIONS}".strip(),
        )
    except psycopg.Error as exc:
        raise unreachable(address, exc) from None


def unreachable(address: ServerAddress, exc: BaseException) -> DatabaseError:
    text = str(exc)
    if "password" in text or "authentication" in text:
        why = "用户名或密码不对（密码放在 ~/.pgpass 或环境变量 PGPASSWORD 中）"
    elif "does not exist" in text and "database" in text:
        why = "服务器上没有这个数据库，请先请管理员用 createdb 建好（空库即可）"
    elif "does not exist" in text and "role" in text:
        why = "服务器上没有这个用户"
    else:
        why = "连不上服务器：请检查服务器地址、端口和网络，以及服务器是否已启动"
    return DatabaseError(f"无法连接数据库 {address}：{why}。")


def engine(address: ServerAddress) -> Engine:
    """The SQLAlchemy engine of the write path (postgresql+psycopg dialect)."""
    from sqlalchemy import create_engine

    return create_engine(
        "postgresql+psycopg://", creator=lambda: connect(address, autocommit=False)
    )


def take_write_lock(connection: Any, wait_s: float) -> None:
    """The database's write lock, held until the transaction ends: writers queue for it
    one at a time, as on SQLite (BEGIN IMMEDIATE), so what a writer decides from its
    reads still holds when it commits. Like SQLite's busy timeout, a lock held by another
    is waited for `wait_s` seconds at most (then LockNotAvailable, see `explain`; 0 would
    be no limit to PostgreSQL)."""
    connection.execute(f"SET LOCAL lock_timeout = {max(1, int(wait_s * 1000))}")
    connection.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK_KEY,))


def has_tables(connection: Any) -> bool:
    """Whether the database holds qzfsg's tables (its meta table) already."""
    found = connection.execute("SELECT to_regclass('meta') IS NOT NULL").fetchone()
    return bool(found[0])


def explain(exc: BaseException, address: ServerAddress, busy_s: float) -> DatabaseError | None:
    """The fault behind a psycopg error met while using the database, or None (a bug)."""
    import psycopg

    from qzfsg.storage.faults import busy

    cause = getattr(exc, "orig", None) or exc  # SQLAlchemy wraps the psycopg error
    if isinstance(cause, psycopg.errors.LockNotAvailable):  # see take_write_lock
        return busy(str(address), busy_s)
    if isinstance(cause, psycopg.OperationalError):
        return DatabaseError(
            f"与数据库 {address} 的连接中断或服务器出错。出错的这一步未写入数据库"
            "（导入时此前已处理的文件已存入）。请检查网络和服务器后再试。"
        )
    if isinstance(cause, psycopg.errors.InsufficientPrivilege):
        return DatabaseError(
            f"数据库 {address} 的这个用户没有所需的权限（建表或写入）。请管理员授权后再试。"
        )
    return None


def is_conflict(exc: BaseException) -> bool:
    """A unique index refused a row: another writer stored it first."""
    import psycopg

    return isinstance(getattr(exc, "orig", None) or exc, psycopg.IntegrityError)
