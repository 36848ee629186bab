"""Commands of this area are registered here (work in progress)."""

import typer


def register(app: typer.Typer) -> None:
    """No commands yet."""
