"""The ``jobhunt`` command: run the local stack, and drive the API from a terminal."""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup

from jobhunt_cli.commands import apps, auth, db, dev, stack, tools, transfer
from jobhunt_cli.errors import CliError
from jobhunt_cli.output import print_error


class JobhuntGroup(TyperGroup):
    """Turns every ``CliError`` into one line on stderr and its exit code (no traceback)."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except CliError as exc:
            print_error(exc.message)
            raise typer.Exit(int(exc.exit_code)) from exc


app = typer.Typer(
    cls=JobhuntGroup,
    name="jobhunt",
    help="jobhunt: run the local stack and track your job search from a terminal.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)
stack.register_commands(app)
auth.register_commands(app)
app.add_typer(apps.app, name="apps", rich_help_panel="Applications")
transfer.register_commands(app)
tools.register_commands(app)
app.add_typer(db.app, name="db", rich_help_panel="Stack")
app.add_typer(dev.app, name="dev", rich_help_panel="Developer")


def main() -> None:
    app()
