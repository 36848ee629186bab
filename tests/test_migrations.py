"""Migrations on both databases: a server database at every older schema version upgrades
to the same record as a database file does, and a version 3 server database's archive
folder moves into the table archived_file (schema 4)."""

from __future__ import annotations

import json
import re
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from qzfsg.storage.archive import archived_path, parse_reference
from qzfsg.storage.db import SCHEMA_VERSION, close_all, database_path, open_database
from tests.conftest import SAMPLES
from tests.pgserver import SKIPPED

FIXTURES = Path(__file__).parent / "fixtures"


def fixture_file(version: int, folder: Path) -> Path:
    """A database file as the release of schema `version` wrote it (tests/fixtures)."""
    db = folder / f"v{version}.db"
    with closing(sqlite3.connect(db)) as conn:
        conn.executescript((FIXTURES / f"schema_v{version}.sql").read_text(encoding="utf-8"))
    return db


def fixture_on_server(db: Path, url: str) -> None:
    """The same tables, indexes and rows in an empty server database, as that release's
    SQLAlchemy models would have created them there: SERIAL ids (their sequences moved
    past the rows), TIMESTAMP for DATETIME, true booleans."""
    import psycopg

    from qzfsg.models import SQLModel

    order = [table.name for table in SQLModel.metadata.sorted_tables]
    with closing(sqlite3.connect(db)) as source, psycopg.connect(url) as server:
        found = source.execute("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL")
        schema = sorted(
            found,
            key=lambda item: (
                item[0] != "table",
                order.index(item[1]) if item[0] == "table" else 0,
            ),
        )
        for kind, _, sql in schema:
            if kind == "table":
                sql = re.sub(r"\bid INTEGER NOT NULL", "id SERIAL NOT NULL", sql)
                sql = sql.replace("DATETIME", "TIMESTAMP")
            server.execute(sql)
        for kind, table, _ in schema:
            if kind != "table":
                continue
            types = dict(
                server.execute(
                    "SELECT column_name, data_type FROM information_schema.columns"
                    " WHERE table_name = %s",
                    (table,),
                ).fetchall()
            )
            cursor = source.execute(f'SELECT * FROM "{table}"')
            names = [d[0] for d in cursor.description]
            found = [
                [bool(v) if types[n] == "boolean" and v is not None else v
                 for n, v in zip(names, row, strict=True)]
                for row in cursor
            ]  # fmt: skip
            if found:
                columns = ", ".join(f'"{n}"' for n in names)
                marks = ", ".join(["%s"] * len(names))
                with server.cursor() as insert:
                    insert.executemany(f'INSERT INTO "{table}" ({columns}) VALUES ({marks})', found)
            if "id" in names:
                server.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                    f' (SELECT coalesce(max(id), 0) + 1 FROM "{table}"), false)'
                )


TABLES = ("meta", "unit", "alias", "deadline", "submission", "value", "finding", "monthlock")


def record(where: str | Path) -> dict[str, list[tuple]]:
    """Every row of the tables both releases have, in id order (rows alike from both
    databases: queries.runner)."""
    from qzfsg.queries.runner import rows
    from qzfsg.storage.db import open_reader

    try:
        connection = open_reader(database_path(str(where)))
        return {t: rows(connection, f"SELECT * FROM {t} ORDER BY 1, 2") for t in TABLES}
    finally:
        close_all()


@pytest.mark.parametrize("version", [1, 2])
def test_a_server_database_of_an_older_schema_upgrades_to_what_a_file_upgrades_to(
    version, cli, tmp_path, pg_empty
):
    db = fixture_file(version, tmp_path)
    fixture_on_server(db, pg_empty)
    for where in (db, pg_empty):
        open_database(database_path(str(where)))
        close_all()
    upgraded = record(db)
    assert record(pg_empty) == upgraded
    assert dict(upgraded["meta"])["schema_version"] == str(SCHEMA_VERSION)
    # Version 1's copy stored twice (三江镇 8 月, ids 4 and 9) is stored once.
    assert [row[0] for row in upgraded["submission"]] == list(range(1, 9))
    assert _server_schema(pg_empty) >= {
        ("index", "ux_submission_version", True), ("index", "ux_submission_copy", True),
        ("trigger", "auditentry_append_only", False), ("trigger", "auditentry_no_truncate", False),
        ("table", "archived_file", False),
    }  # fmt: skip
    # It takes corrections like a new one, on both: 城管执法局 9 月's correction withdrawn.
    withdraw = ["withdraw", "2", "--reason", "测试", "--by", "李四", "--json"]
    done = [cli(*withdraw, db=where) for where in (db, pg_empty)]
    assert [(d.exit_code, d.stdout) for d in done[1:]] == [(0, done[0].stdout)]
    assert json.loads(done[0].stdout)["before"] == {"status": "accepted", "version": 2}
    assert record(pg_empty) == record(db)


def _server_schema(url: str) -> set[tuple[str, str, bool]]:
    """(kind, name, whether its definition leaves withdrawn returns out) of the indexes,
    triggers and tables of the server database."""
    import psycopg

    with psycopg.connect(url) as connection:
        found = connection.execute(
            "SELECT 'index', indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'"
            " UNION ALL SELECT 'trigger', tgname, '' FROM pg_trigger WHERE NOT tgisinternal"
            " UNION ALL SELECT 'table', tablename, '' FROM pg_tables WHERE schemaname = 'public'"
        ).fetchall()
    return {(kind, name, "withdrawn" in sql) for kind, name, sql in found}


def test_a_version_3_server_database_takes_its_archive_folder_into_the_database(
    cli, tmp_path, pg_server, pg_template, monkeypatch
):
    """Version 3 kept a server database's files in "<database name>-archive" in the
    folder the commands ran in: the upgrade takes those that are whole into archived_file;
    one gone and one altered stay out, and `check` names them."""
    if pg_server is None:
        pytest.skip(SKIPPED)
    import psycopg

    monkeypatch.chdir(tmp_path)
    files = [SAMPLES / "files" / name for name in (
        "弼时镇8月报表.xlsx", "城管执法局8月报表.xls", "川山坪镇9月报表.xlsx", "消防大队8月报表.xlsx",
    )]  # fmt: skip
    with pg_server.database(pg_template) as url:
        assert cli("import", *map(str, files), "--received", "2018-09-01", db=url).exit_code == 0
        before = cli("history", "--month", "2018-08", "--json", db=url).stdout
        close_all()
        with psycopg.connect(url, autocommit=True) as connection:
            name = connection.execute("SELECT current_database()").fetchone()[0]
            kept = dict(connection.execute("SELECT sha256, data FROM archived_file").fetchall())
            references = connection.execute("SELECT id, archive_path FROM submission").fetchall()
            folder = Path(f"{name}-archive")
            as_v3 = {}
            for sid, reference in references:
                digest, suffix = parse_reference(reference)
                as_v3[digest] = archived_path(folder, digest, suffix)
                connection.execute(
                    "UPDATE submission SET archive_path = %s WHERE id = %s",
                    (str(as_v3[digest]), sid),
                )
            connection.execute("DROP TABLE archived_file")
            connection.execute("DROP TRIGGER auditentry_no_truncate ON auditentry")  # new in 4
            connection.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
        gone, altered, *whole = sorted(as_v3)
        for digest, path in as_v3.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(kept[digest] + (b"x" if digest == altered else b""))
        as_v3[gone].unlink()

        assert cli("history", "--month", "2018-08", "--json", db=url).stdout == before
        with psycopg.connect(url) as connection:
            taken = dict(connection.execute("SELECT sha256, data FROM archived_file").fetchall())
            version = connection.execute("SELECT value FROM meta WHERE key = 'schema_version'")
            assert version.fetchone() == (str(SCHEMA_VERSION),)
            with pytest.raises(psycopg.Error, match="append-only"):
                connection.execute("TRUNCATE auditentry")
        assert {digest: bytes(data) for digest, data in taken.items()} == {
            digest: kept[digest] for digest in whole
        }
        check = cli("check", "--json", db=url)
        assert check.exit_code == 1
        problems = json.loads(check.stdout)["problems"]
        assert sorted((p["kind"], parse_reference(p["file"])[0]) for p in problems) == sorted(
            [("missing", gone), ("missing", altered)]
        )
        # The files taken in serve the corrections: a return checked again from the table.
        whole_id = next(sid for sid, ref in references if parse_reference(ref)[0] == whole[0])
        redated = cli("redate", str(whole_id), "2018-08-31", "--reason", "测试", db=url)
        assert redated.exit_code == 0, redated.output
        close_all()
