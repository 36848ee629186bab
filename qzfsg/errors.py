"""The one exception family the CLI turns into a message and an exit code."""

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    DATA = 1  # the data has errors, or files were rejected
    USAGE = 2  # wrong usage, or the environment is not ready (no database, bad path)
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT, as the shell reports it)
    PIPE_CLOSED = 141  # the reader of the output went away (128 + SIGPIPE, as for `yes | head`)


class QzfsgError(Exception):
    """A problem the clerk can act on; the text is the finished Chinese sentence."""

    exit_code = ExitCode.USAGE


class DataError(QzfsgError):
    """Input data that cannot be accepted (a bad file, a bad cell)."""

    exit_code = ExitCode.DATA


class NotFoundError(QzfsgError):
    """A unit, file or record named on the command line does not exist."""


class DatabaseError(QzfsgError):
    """The database is missing, too new, damaged or cannot be used (see qzfsg.faults)."""


class DamagedError(DatabaseError):
    """The database file is damaged (`qzfsg check` says where)."""


class LockedError(QzfsgError):
    """A change would reach a locked (published) month (qzfsg.locks)."""
