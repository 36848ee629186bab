"""What went wrong with the database file, its folder or its disk, in the clerk's words.

The one place where errors of the machine (sqlite3's, wrapped or not by SQLAlchemy, and
the operating system's) become a `DatabaseError` that names the fault, the file and what
to do. Every text here is a finished Chinese sentence; none carries SQL, a URL or a
Python name.
"""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

from qzfsg.errors import DamagedError, DatabaseError

NOTHING_WRITTEN = "出错的这一步未写入数据库，此前已完成的（如导入时前面的文件）都已存入。"
UNTOUCHED = "该文件未作任何改动。"

# sqlite3 primary result codes (the low byte of an extended code)
_BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT = 5, 6, 8, 10, 11
_FULL, _CANTOPEN, _PERM, _NOTADB = 13, 14, 3, 26

_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
_READONLY_ERRNOS = {errno.EROFS, errno.EACCES, errno.EPERM}


def disk_full(path: Path) -> DatabaseError:
    return DatabaseError(
        f"磁盘已满：{path} 所在的磁盘没有剩余空间。{NOTHING_WRITTEN}"
        "请清理该磁盘（或把数据库连同归档文件夹移到空间充足的磁盘）后再运行。"
    )


def read_only_folder(path: Path) -> DatabaseError:
    return DatabaseError(
        f"数据库所在的文件夹 {path.parent} 是只读的：qzfsg 需要在其中写入数据库和临时日志文件。"
        "请取消该文件夹的只读属性（或换一个有写入权限的账户），"
        f"或把数据库复制到可写的文件夹后用 --db 指定。{UNTOUCHED}"
    )


def read_only_file(path: Path) -> DatabaseError:
    return DatabaseError(
        f"数据库 {path} 是只读文件，qzfsg 无法写入。"
        f"请取消该文件的只读属性（或换一个有写入权限的账户）后再试。{UNTOUCHED}"
    )


def unreadable(path: Path) -> DatabaseError:
    return DatabaseError(
        f"无法读取数据库 {path}（没有读取权限）。请检查该文件的权限，或换一个有权限的账户。"
    )


def busy(path: Path | str, seconds: float) -> DatabaseError:
    return DatabaseError(
        f"数据库 {path} 正被另一个程序（或另一个 qzfsg 命令）占用，等了 {seconds:g} 秒仍未释放。"
        f"请等它完成后再试。{NOTHING_WRITTEN}"
    )


def corrupt(path: Path, detail: str = "") -> DamagedError:
    why = f"（{detail}）" if detail else ""
    return DamagedError(
        f"数据库 {path} 已损坏{why}，未写入任何内容。"
        f"请运行 qzfsg check --db {path} 查看详情，并用最近的备份恢复（见 README“遇到这些情况怎么办”）。"
    )


def not_qzfsg(path: Path, why: str) -> DatabaseError:
    return DatabaseError(f"{path} 不是 qzfsg 数据库（{why}）。请检查 --db 指定的文件；{UNTOUCHED}")


def empty_file(path: Path) -> DatabaseError:
    return DatabaseError(
        f"{path} 是空文件（0 字节），不是 qzfsg 数据库。{UNTOUCHED}"
        "如要在这里新建数据库，请先删除该文件，再运行 qzfsg init。"
    )


def disk_error(path: Path) -> DatabaseError:
    return DatabaseError(
        f"读写数据库 {path} 时磁盘出错（磁盘、U 盘或网络文件夹故障）。{NOTHING_WRITTEN}"
        f"请检查磁盘后运行 qzfsg check --db {path}。"
    )


def log_not_folded(path: Path) -> DatabaseError:
    wal = wal_file(path)
    return DatabaseError(
        f"数据库的日志文件 {wal} 未能并回 {path.name}（磁盘已满或出错）。"
        f"请保留 {wal.name} 文件，不要删除，也不要只复制 {path.name}：两个文件合在一起才是完整的数据库，"
        f"已存入的内容都在其中。腾出磁盘空间后运行 qzfsg check --db {path} 即可并回。"
    )


def wal_file(path: Path) -> Path:
    return path.with_name(path.name + "-wal")


def os_reason(exc: OSError) -> str:
    """Why the operating system refused, in Chinese (for messages about other files)."""
    if exc.errno in _FULL_ERRNOS:
        return "磁盘已满"
    if exc.errno in _READONLY_ERRNOS:
        return "没有写入权限或磁盘只读"
    if exc.errno == errno.ENOENT:
        return "找不到文件或文件夹"
    return "磁盘或文件系统出错"


def explain(exc: BaseException, path: Path, busy_seconds: float) -> DatabaseError | None:
    """The fault behind an error raised while using the database at `path`, or None when
    it is not one of the machine's (a bug: the CLI reports it as an internal error)."""
    if isinstance(exc, DatabaseError):
        return exc
    cause = getattr(exc, "orig", None) or exc  # SQLAlchemy wraps the sqlite3 error
    if isinstance(cause, sqlite3.Error):
        return _sqlite_fault(cause, path, busy_seconds)
    if isinstance(cause, OSError):
        where = Path(cause.filename) if cause.filename else path
        if cause.errno in _FULL_ERRNOS:
            return disk_full(where)
        if cause.errno in _READONLY_ERRNOS:
            return DatabaseError(
                f"无法写入 {where}：没有写入权限，或磁盘只读。"
                f"请检查它的权限（或换一个位置）后再试。{NOTHING_WRITTEN}"
            )
    return None


def in_use(exc: sqlite3.Error) -> bool:
    """SQLite refused because another connection holds the database (busy or locked)."""
    return ((getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF) in (_BUSY, _LOCKED)


def _sqlite_fault(exc: sqlite3.Error, path: Path, busy_seconds: float) -> DatabaseError | None:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None:
        return None
    primary = code & 0xFF
    if primary == _FULL:
        return disk_full(path)
    if in_use(exc):
        return busy(path, busy_seconds)
    if primary == _CANTOPEN or "DIRECTORY" in (exc.sqlite_errorname or ""):
        return read_only_folder(path)
    if primary in (_READONLY, _PERM):
        return read_only_file(path)
    if primary in (_CORRUPT, _NOTADB):
        return corrupt(path)
    if primary == _IOERR:
        return disk_error(path)
    return None
