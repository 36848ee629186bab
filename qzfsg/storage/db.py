"""The database: where it is, how it is opened, and its schema version.

The only module that opens databases and creates engines, and the one place that tells
the two kinds apart: a SQLite file (the default, a `Path`) or a PostgreSQL database on a
server (a `server.ServerAddress`, from a postgresql:// address; `qzfsg.storage.server` holds what
is PostgreSQL's own). What differs is decided here: how to connect, how a writer takes
the write lock (`begin_write`), how a fault is named (`explain`); the statements
themselves are the same (`qzfsg.queries.runner` adapts the parameter style).

`connect` is the one way a file becomes a connection: the read path (`open_reader`, plain
DB-API, no SQLAlchemy imported) uses it directly, the engine of the write path uses it as
its creator. SQLite runs with foreign keys on, in WAL mode and with a busy timeout, so that
two qzfsg commands at once wait for each other instead of failing.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager, suppress
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

from qzfsg.errors import DatabaseError
from qzfsg.queries.calendar import fact
from qzfsg.queries.runner import dbapi, execute_many, first
from qzfsg.storage import faults, server
from qzfsg.storage.server import ServerAddress

T = TypeVar("T")

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine, Table
    from sqlmodel import Session

SCHEMA_VERSION = 4
ENV_VAR = "QZFSG_DB"
DEFAULT_NAME = "qzfsg.db"
BUSY_ENV_VAR = "QZFSG_BUSY_TIMEOUT"  # seconds another command's lock is waited for
BUSY_TIMEOUT_S = 10.0
SQLITE_MAGIC = b"SQLite format 3\x00"


def _received_order(conn: Connection) -> None:
    from qzfsg.storage.migrations import received_order

    received_order(conn)


def _corrections(conn: Connection) -> None:
    from qzfsg.storage.migrations import corrections

    corrections(conn)


def _archived_files(conn: Connection) -> None:
    from qzfsg.storage.migrations import archived_files

    archived_files(conn)


# MIGRATIONS[n] upgrades a database at schema version n to n + 1, in place (the upgrades
# themselves are in qzfsg.storage.migrations, imported only when one runs).
MIGRATIONS: dict[int, Callable[[Connection], None]] = {
    1: _received_order,
    2: _corrections,
    3: _archived_files,
}


# A database: the SQLite file, or a PostgreSQL database on a server.
Where = Path | ServerAddress


def database_path(option: str | Path | None = None) -> Where:
    """--db wins, then $QZFSG_DB, then qzfsg.db in the current folder; a postgresql://
    address names a database on a server."""
    text = option if option is not None else os.environ.get(ENV_VAR) or DEFAULT_NAME
    if isinstance(text, str) and server.is_address(text):
        return ServerAddress(text)
    return Path(text)


def exists(where: Where) -> bool:
    """Whether there is a database there already (a file; a server database with tables)."""
    if isinstance(where, Path):
        return where.exists()
    connection = server.connect(where)
    try:
        return server.has_tables(connection)
    finally:
        connection.close()


def busy_timeout() -> float:
    """Seconds to wait for another command's lock: $QZFSG_BUSY_TIMEOUT, else 10."""
    try:
        return max(0.0, float(os.environ.get(BUSY_ENV_VAR) or BUSY_TIMEOUT_S))
    except ValueError:
        return BUSY_TIMEOUT_S


def connect(path: Path) -> sqlite3.Connection:
    """A connection to the database file at `path`, configured. The file was checked by
    `check_file` first: these pragmas write (WAL mode is recorded in the file)."""
    connection = sqlite3.connect(path, check_same_thread=False)
    try:
        for pragma in (
            f"PRAGMA busy_timeout = {int(busy_timeout() * 1000)}",
            "PRAGMA foreign_keys = ON",
            "PRAGMA journal_mode = WAL",
            "PRAGMA synchronous = NORMAL",
        ):
            connection.execute(pragma)
    except sqlite3.DatabaseError as exc:
        connection.close()
        raise explain(exc, path) or faults.corrupt(path) from None
    return connection


def check_file(path: Path, thorough: bool = False) -> int:
    """The schema version of the qzfsg database at `path`, found without writing a byte:
    a missing, empty, unreadable, read-only, foreign, corrupt or too new file is refused
    with its fault named and is left exactly as it was. `thorough` (the commands that
    write) also runs SQLite's quick check, so that a damaged database takes no writes."""
    _require_file(path)
    _check_header(path)
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise faults.read_only_folder(path)
    if not os.access(path, os.W_OK):
        raise faults.read_only_file(path)
    uri = f"file:{quote(os.path.abspath(path))}?mode=ro"
    try:
        with closing(sqlite3.connect(uri, uri=True)) as probe:
            probe.execute(f"PRAGMA busy_timeout = {int(busy_timeout() * 1000)}")
            version = _version_of(probe, path)
            _check_version(version, path)
            if thorough and probe.execute("PRAGMA quick_check(1)").fetchone()[0] != "ok":
                raise faults.corrupt(path, "SQLite 的快速检查未通过")
    except sqlite3.Error as exc:
        raise explain(exc, path) or faults.corrupt(path) from None
    _IN_USE.append(path)
    return version


def _check_header(path: Path) -> None:
    """The first 100 bytes: SQLite's, with a page size and a length that fit the file."""
    try:
        size = path.stat().st_size
        with path.open("rb") as file:
            header = file.read(100)
    except PermissionError:
        raise faults.unreadable(path) from None
    if size == 0:
        raise faults.empty_file(path)
    if not header.startswith(SQLITE_MAGIC):
        raise faults.not_qzfsg(path, "不是数据库文件")
    page = int.from_bytes(header[16:18], "big")
    page = 65536 if page == 1 else page
    if len(header) < 100 or page < 512 or page & (page - 1):
        raise faults.corrupt(path, "文件头已损坏")
    pages_stated = int.from_bytes(header[28:32], "big")
    stated_valid = header[24:28] == header[92:96]
    if size % page or (
        stated_valid
        and pages_stated * page > size
        and not any(path.with_name(path.name + log).exists() for log in ("-wal", "-journal"))
    ):
        raise faults.corrupt(path, "文件长度不对，可能不完整")


def explain(exc: BaseException, path: Path | None = None) -> DatabaseError | None:
    """The fault behind an error raised while a command used the database at `path`
    (by default the one it opened last), or None: a bug."""
    if isinstance(exc, DatabaseError):
        return exc
    where = path or (_IN_USE[-1] if _IN_USE else database_path())
    if isinstance(where, ServerAddress):
        return server.explain(exc, where, busy_timeout())
    return faults.explain(exc, where, busy_timeout())


def lost_race(exc: BaseException) -> bool:
    """A unique index refused a row because another writer stored it first."""
    if isinstance(getattr(exc, "orig", None) or exc, sqlite3.IntegrityError):
        return True
    return "psycopg" in sys.modules and server.is_conflict(exc)


_ENGINES: list[Engine] = []
_READERS: list[Any] = []
_IN_USE: list[Where] = []  # the databases this process opened, for close_all


def _engine(where: Where) -> Engine:
    from sqlalchemy import create_engine

    if isinstance(where, ServerAddress):
        engine = server.engine(where)
    else:
        engine = create_engine(f"sqlite:///{where}", creator=lambda: connect(where))
    _ENGINES.append(engine)
    return engine


def close_all() -> None:
    """Close every connection this process opened, then make sure each database's
    write-ahead log is folded back into the database file, so that `qzfsg.db` alone is
    the whole database again (to copy, back up or send). SQLite folds it when the last
    connection closes; when that failed (a full disk), one more try, and if that fails
    too, a DatabaseError saying to keep the -wal file."""
    while _READERS:
        _READERS.pop().close()
    while _ENGINES:
        _ENGINES.pop().dispose()
    in_use = list(dict.fromkeys(_IN_USE))
    _IN_USE.clear()
    for where in in_use:
        if isinstance(where, Path):
            _fold_log(where)


def _fold_log(path: Path) -> None:
    try:
        if faults.wal_file(path).stat().st_size == 0:
            return
    except FileNotFoundError:
        return
    # timeout=0: no busy wait (Python waits 5 s by default); others at work fold it themselves
    # (another command holding the database, even for a moment, is not a fault: the last
    # one to close folds the log)
    connection = sqlite3.connect(path, timeout=0)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    except sqlite3.Error as exc:
        if faults.in_use(exc):
            return
        raise faults.log_not_folded(path) from None
    finally:
        connection.close()


def _require_file(path: Path) -> None:
    if not path.is_file():
        raise DatabaseError(
            f"找不到数据库 {path}。请先运行 qzfsg init 创建数据库，"
            f"或用 --db 或环境变量 {ENV_VAR} 指定数据库文件。"
        )


def _check_version(version: int, path: Where) -> None:
    if version > SCHEMA_VERSION:
        raise DatabaseError(
            f"数据库 {path} 由更新版本的 qzfsg 创建（结构版本 {version}，"
            f"本程序只认识到 {SCHEMA_VERSION}）。请升级 qzfsg 后再使用，数据库未作改动。"
        )


def open_reader(where: Where) -> Any:
    """The existing database for the read commands: a plain DB-API connection (no
    SQLAlchemy), checked like `open_database`; an older schema is upgraded first."""
    if isinstance(where, ServerAddress):
        connection = server.connect(where)
        _READERS.append(connection)
        if _check_server(connection, where) < SCHEMA_VERSION:
            open_database(where)
        return connection
    version = check_file(where)
    if version < SCHEMA_VERSION:
        open_database(where)  # the migrations run on the engine
    connection = connect(where)
    _READERS.append(connection)
    return connection


def open_snapshot(where: Where) -> Any:
    """The existing database as it is now, for a command that reads all of it (`copy`): a
    plain DB-API connection inside one read-only transaction, so that every read sees
    the same moment while others go on writing. It must be at this program's schema
    version: an older one is refused (not upgraded), nothing written."""
    if isinstance(where, ServerAddress):
        import psycopg

        connection = server.connect(where, autocommit=False)
        connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        connection.read_only = True
        _READERS.append(connection)
        version = _check_server(connection, where)  # the transaction begins here
    else:
        check_file(where)
        connection = connect(where)
        _READERS.append(connection)
        connection.execute("BEGIN")  # the snapshot is taken at the first read
        version = _version_of(connection, where)
    if version < SCHEMA_VERSION:
        raise DatabaseError(
            f"数据库 {where} 的结构版本是 {version}，比本程序的 {SCHEMA_VERSION} 旧。"
            f"请先运行 qzfsg init --db {where} 升级（文件会先备份），再复制；数据库未作改动。"
        )
    return connection


def _check_server(connection: Any, address: ServerAddress) -> int:
    """The schema version of the server database, refused like a file when it is not
    qzfsg's or too new."""
    _IN_USE.append(address)
    if not server.has_tables(connection):
        raise DatabaseError(
            f"数据库 {address} 中还没有 qzfsg 的数据表。请先运行 qzfsg init --db {address}。"
        )
    version = _version_of(connection, address)
    _check_version(version, address)
    return version


def _version_of(connection: Any, path: Where) -> int:
    try:
        found = fact(connection, "schema_version")
    except sqlite3.OperationalError as exc:
        if "no such table" not in str(exc):
            raise
        found = None
    if found is None or not found.isdigit():
        raise faults.not_qzfsg(path, "其中没有 qzfsg 的数据表")
    return int(found)


@contextmanager
def new_database(where: Where, facts: dict[str, str] | None) -> Iterator[Connection]:
    """A new database with every table and the given facts (campaign year…), filled in
    the block through the connection it gives, in one transaction; nothing is left of it
    when the block fails (see `_new_file`, `_new_tables`). `facts` None: the tables only,
    without even the schema version (a copy brings its own meta rows)."""
    maker = _new_tables if isinstance(where, ServerAddress) else _new_file
    with maker(where) as engine, engine.begin() as connection:
        _fill_new(connection, facts)
        yield connection


def _fill_new(connection: Connection, facts: dict[str, str] | None) -> None:
    from sqlmodel import SQLModel

    from qzfsg import models

    SQLModel.metadata.create_all(connection)
    if facts is not None:
        meta = models.Meta.__table__  # type: ignore[attr-defined]
        rows = [
            {"key": k, "value": v}
            for k, v in {"schema_version": str(SCHEMA_VERSION), **facts}.items()
        ]
        connection.execute(meta.insert(), rows)


@contextmanager
def _new_tables(address: ServerAddress) -> Iterator[Engine]:
    """The engine of an existing, empty server database (an administrator creates the
    database itself): its tables are made in the transaction of the block, so that a
    failure (or a lost connection) leaves the database empty."""
    if exists(address):
        raise DatabaseError(f"数据库 {address} 中已有 qzfsg 的数据表。")
    _IN_USE.append(address)
    yield _engine(address)


@contextmanager
def _new_file(path: Path) -> Iterator[Engine]:
    """The engine of a new database file, put in place when the block ends without error.
    It is built under a hidden name beside `path`: a failed `init` (a full disk, Ctrl-C)
    leaves nothing behind, not even the folders it made, and no command ever sees half a
    database."""
    if path.exists():
        raise DatabaseError(f"数据库 {path} 已存在。")
    building = path.with_name(f".{path.name}.init-{os.getpid()}")
    made = [folder for folder in (path.parent, *path.parent.parents) if not folder.exists()]
    _IN_USE.append(path)
    engine = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = _engine(building)
        yield engine
        engine.dispose()
        _fold_log(building)
        _put_in_place(building, path)
    except BaseException as exc:
        if engine is not None:
            engine.dispose()
        for name in ("", "-wal", "-shm", "-journal"):
            building.with_name(building.name + name).unlink(missing_ok=True)
        for folder in made:  # deepest first
            with suppress(OSError):
                folder.rmdir()
        known = explain(exc, path)
        if known is None or known is exc:
            raise
        raise known from None
    finally:
        _IN_USE.remove(path)


def _put_in_place(building: Path, path: Path) -> None:
    """Give the finished database its name, never over a database made meanwhile."""
    try:
        os.link(building, path)
    except FileExistsError:
        raise DatabaseError(f"数据库 {path} 已存在。") from None
    except OSError:  # a drive without hard links (FAT, some network folders)
        if path.exists():
            raise DatabaseError(f"数据库 {path} 已存在。") from None
        os.replace(building, path)
    for name in ("", "-shm"):
        building.with_name(building.name + name).unlink(missing_ok=True)


def open_database(where: Where) -> Engine:
    """The existing database for a command that writes: checked thoroughly first (see
    `check_file`), upgraded in place if its schema is older."""
    if isinstance(where, ServerAddress):
        probe = server.connect(where)
        try:
            version = _check_server(probe, where)
        finally:
            probe.close()
    else:
        version = check_file(where, thorough=True)
    engine = _engine(where)
    if version < SCHEMA_VERSION:
        upgrade(engine, where, version)
    return engine


def upgrade(engine: Engine, where: Where, version: int) -> Path | None:
    """Back a database file up beside itself (a server's backups are the office's), then
    run each migration in one transaction; the backup file."""
    from sqlalchemy import text

    backup = None
    if isinstance(where, Path):
        backup = where.with_name(f"{where.name}.bak-v{version}-{datetime.now():%Y%m%d%H%M%S}")
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.copy2(where, backup)
    with engine.begin() as conn:
        # Under the write lock: another command may have upgraded it meanwhile.
        driver = conn.connection.driver_connection
        take_write_lock(driver)
        version = _version_of(driver, where)
        while version < SCHEMA_VERSION:
            MIGRATIONS[version](conn)
            version += 1
        conn.execute(
            text("UPDATE meta SET value = :v WHERE key = 'schema_version'"),
            {"v": str(version)},
        )
    return backup


def begin_write(session: Session) -> Any:
    """Open the session's write transaction now, taking the database's write lock before
    anything is read, so that what the transaction decides from its reads (a duplicate, a
    version) still holds when it commits. The driver connection, inside that transaction."""
    connection = driver_connection(session)
    take_write_lock(connection)
    return connection


def take_write_lock(connection: Any) -> None:
    """Take the database's write lock for the transaction under `connection` (a DB-API
    connection or a session), if it does not hold it yet. SQLite: BEGIN IMMEDIATE; PostgreSQL:
    a transaction-level advisory lock that every writer takes (see server.take_write_lock).
    On both, another writer's lock is waited for up to `busy_timeout` seconds."""
    connection = dbapi(connection)
    if isinstance(connection, sqlite3.Connection):
        if not connection.in_transaction:
            connection.execute("BEGIN IMMEDIATE")
    else:
        server.take_write_lock(connection, busy_timeout())


def driver_connection(session: Session) -> Any:
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
            f"VALUES ({', '.join(':' + c for c in self.columns)})"
        )
        processors = {name: table.c[name].type.bind_processor(dialect) for name in self.columns}
        self.binders = [(name, bind) for name, bind in processors.items() if bind is not None]

    def _row(self, values: Mapping[str, Any]) -> dict[str, Any]:
        row = {column: values[column] for column in self.columns}
        for column, bind in self.binders:
            if (value := row[column]) is not None:
                row[column] = bind(value)
        return row

    def insert(self, connection: Any, values: Mapping[str, Any]) -> int:
        """Insert one row; its id."""
        return int(first(connection, self.sql + " RETURNING id", self._row(values))[0])

    def insert_many(
        self, connection: Any, rows: Iterable[Mapping[str, Any]]
    ) -> list[dict[str, Any]]:
        """Insert the rows; them as bound (as stored)."""
        bound = [self._row(r) for r in rows]
        execute_many(connection, self.sql, bound)
        return bound


@contextmanager
def session_for(bind: Engine | Connection) -> Iterator[Session]:
    """A session whose objects stay readable after commit (for rendering); on a connection
    (`new_database`), it joins the connection's transaction."""
    from sqlmodel import Session

    with Session(bind, expire_on_commit=False) as session:
        yield session


def copy_snapshot(
    connection: sqlite3.Connection, target: Path, read: Callable[[sqlite3.Connection], T]
) -> T:
    """SQLite's online backup of the database under `connection` into a new file at
    `target`, inside one read transaction, so that `read` (run in the same transaction)
    sees exactly what the copy holds; other commands may write meanwhile. The copy is
    one whole file (`one_file`)."""
    copy = sqlite3.connect(target)
    try:
        connection.execute("BEGIN")
        try:
            found = read(connection)
            connection.backup(copy)
        finally:
            connection.execute("COMMIT")
    finally:
        copy.close()
    one_file(target)
    return found


def one_file(path: Path) -> None:
    """Make the database file at `path` one whole file (rollback journal mode, no -wal or
    -shm beside it), flushed to the disk: a backup, to be copied or sent as it is."""
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA journal_mode = DELETE")
    with path.open("rb+") as file:
        os.fsync(file.fileno())


def table_rows(connection: sqlite3.Connection) -> dict[str, int]:
    """How many rows each table holds."""
    from qzfsg.queries.copying import table_names, tally

    return {name: tally(connection, name, [])[0] for name in table_names(connection)}


def copy_is_whole(copy: Path, rows: dict[str, int]) -> bool:
    """The copy passes SQLite's integrity check and holds `rows` rows in each table."""
    connection = sqlite3.connect(f"file:{quote(os.path.abspath(copy))}?mode=ro", uri=True)
    try:
        whole = connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return whole and table_rows(connection) == rows
    finally:
        connection.close()
