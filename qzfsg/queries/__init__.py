"""Every SQL statement of qzfsg, run through the DB-API (stdlib sqlite3 today).

The read commands run these statements on a plain DB-API connection (`db.open_reader`),
so that they never import SQLAlchemy; a command that also writes runs them on the
connection under its session (`db.driver_connection`), inside its transaction. SQLModel
stays the schema, the migrations and the writer.

Statements are written in the SQL that SQLite and PostgreSQL both run, with `:name`
parameters; `runner` is the one place that knows the dialect (see `runner.to_pyformat`).
Rows are plain tuples: times as stored text, amounts as integers in units of 1/10,000.
"""
