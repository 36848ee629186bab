"""A PostgreSQL server for the tests: an existing one named by $QZFSG_TEST_PG, or a throwaway
one started from the PostgreSQL programs installed on the machine (Debian's postgresql
package: /usr/lib/postgresql/N/bin), or none (the PostgreSQL half of the suite is skipped).

The throwaway server lives in a temporary folder: initdb without syncing, fsync off, a unix
socket in the same folder and no TCP port, so that it starts in a second or two and several
test runs never meet. It is stopped and removed at the end (the bench keeps its loaded
cluster in .bench instead, started the same way: `running`). `initdb` refuses root: run as
root (CI), the server runs as the ordinary user `nobody`, owning the folder.

Each test gets a fresh database, a copy of a prepared one (CREATE DATABASE … TEMPLATE: a
file copy, milliseconds), dropped afterwards.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

ENV_VAR = "QZFSG_TEST_PG"
SKIPPED = (
    "PostgreSQL half of the suite skipped: no PostgreSQL programs found (install Debian's "
    f"postgresql package) and {ENV_VAR} not set (e.g. {ENV_VAR}=postgresql://user@host/postgres "
    "for an existing server whose user may create databases)."
)
SERVER_USER = "nobody"  # who runs a throwaway server when the tests run as root


def programs() -> Path | None:
    """The folder of initdb and pg_ctl: on PATH, else the newest Debian install."""
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4])
    )
    return Path(versions[-1]).parent if versions else None


class Server:
    """A server the tests may create and drop databases on, through `admin_url`."""

    def __init__(self, admin_url: str):
        self.admin_url = admin_url
        self._names = itertools.count(1)

    def url(self, name: str) -> str:
        """The address of database `name` on this server."""
        base, _, _ = self.admin_url.rpartition("/")
        query = ""
        if "?" in self.admin_url:
            query = "?" + self.admin_url.split("?", 1)[1]
        return f"{base}/{name}{query}"

    def admin(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as connection:
            connection.execute(statement)

    def new_name(self, prefix: str) -> str:
        return f"{prefix}_{os.getpid()}_{next(self._names)}"

    @contextmanager
    def database(self, template: str | None = None) -> Iterator[str]:
        """A new empty database (or a copy of `template`) for the block; its address."""
        name = self.new_name("qzfsg_test")
        copy = f" TEMPLATE {template} STRATEGY FILE_COPY" if template else ""
        self.admin(f"CREATE DATABASE {name}{copy}")
        try:
            yield self.url(name)
        finally:
            self.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _server_user(folder: Path) -> list[str]:
    """What runs a server program: as root (CI), `runuser` as SERVER_USER, who is given
    `folder`; otherwise nothing (the program runs as us)."""
    if os.geteuid() != 0:
        return []
    user = pwd.getpwnam(SERVER_USER)
    os.chown(folder, user.pw_uid, user.pw_gid)
    folder.chmod(0o755)
    return ["runuser", "-u", SERVER_USER, "--"]


@contextmanager
def running(folder: Path, bin_dir: Path, stop: str = "immediate") -> Iterator[Server]:
    """A server on the cluster in `folder`/data (made by initdb when there is none yet),
    its socket in `folder`, stopped when the block ends (`stop`: pg_ctl's shutdown mode;
    "fast" leaves a cluster that starts again without recovery). The folder stays: the
    tests' throwaway server removes it, the bench keeps its loaded cluster (tests/bench)."""
    data = folder / "data"
    runner = _server_user(folder)

    def run(*args: str) -> None:
        subprocess.run(
            [*runner, *args], check=True, capture_output=True, cwd=folder, env=_server_env()
        )

    if not data.exists():
        run(
            str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
            "--no-sync", "--no-instructions", "-E", "UTF8", "--locale=C.UTF-8",
        )  # fmt: skip
    options = (
        f"-c listen_addresses='' -c unix_socket_directories='{folder}' -c fsync=off"
        " -c synchronous_commit=off -c full_page_writes=off -c max_connections=60"
        " -c shared_buffers=32MB"
    )
    log = str(folder / "server.log")  # not a pipe: the server outlives pg_ctl
    run(str(bin_dir / "pg_ctl"), "-D", str(data), "-l", log, "-o", options, "-w", "-s", "start")
    try:
        yield Server(f"postgresql://postgres@/postgres?host={quote(str(folder), safe='')}")
    finally:
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", stop, "-s", "stop")


@contextmanager
def throwaway(bin_dir: Path) -> Iterator[Server]:
    """A new server in a temporary folder, stopped and removed when the block ends."""
    folder = Path(tempfile.mkdtemp(prefix="qzfsg-pg-"))
    try:
        with running(folder, bin_dir) as started:
            yield started
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _server_env() -> dict[str, str]:
    """The environment without the variables that would point the programs elsewhere."""
    return {k: v for k, v in os.environ.items() if not k.startswith("PG")}


@contextmanager
def server() -> Iterator[Server | None]:
    """The server the tests run on: $QZFSG_TEST_PG, a throwaway one, or None."""
    if os.environ.get(ENV_VAR):
        yield Server(os.environ[ENV_VAR])
        return
    bin_dir = programs()
    if bin_dir is None:
        yield None
        return
    with throwaway(bin_dir) as started:
        yield started
