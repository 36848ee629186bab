"""Where the record is kept: the database (a SQLite file or a PostgreSQL server), its
schema upgrades, its faults in the clerk's words, the archive of received files, and the
maintenance commands over both (`check`, `backup`).

- `db`: the only module that opens databases, file or server, for reading or writing.
- `server`: what is PostgreSQL's own (addresses, connections, write lock, faults).
- `migrations`: one upgrade per schema version (`db.MIGRATIONS`).
- `faults`: database and disk errors turned into one Chinese sentence each.
- `archive`: the received files, kept by sha256 beside the database.
- `checkup`, `backup`: `qzfsg check` and `qzfsg backup`.
"""
