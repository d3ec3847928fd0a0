"""Accounts: ``register``, ``login``, ``logout``, ``whoami``."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from jobhunt_cli.commands.common import JsonOption, UrlOption, make_client
from jobhunt_cli.errors import CliError, ExitCode
from jobhunt_cli.output import print_fields, print_json, print_message

EmailArgument = Annotated[
    str | None,
    typer.Argument(
        metavar="EMAIL", help="Your email (asked for when left out).", show_default=False
    ),
]
EmailOption = Annotated[
    str | None, typer.Option("--email", "-e", help="Your email (or give it as the argument).")
]
PasswordStdinOption = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from standard input.")
]


def _email(argument: str | None, option: str | None) -> str:
    if argument and option and argument != option:
        raise CliError("give the email once (as the argument or with --email)", ExitCode.USAGE)
    email: str = argument or option or typer.prompt("Email")
    return email.strip()


def _password(from_stdin: bool, *, confirm: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=confirm)
    if not password:
        raise CliError("the password is empty", ExitCode.USAGE)
    return password


def register(
    email_argument: EmailArgument = None,
    email: EmailOption = None,
    password_stdin: PasswordStdinOption = False,
    login: Annotated[
        bool, typer.Option("--login/--no-login", help="Log in right after registering.")
    ] = True,
    url: UrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create an account (and log in to it)."""
    email = _email(email_argument, email)
    password = _password(password_stdin, confirm=True)
    with make_client(url) as client:
        account = client.json(
            "POST", "/api/auth/register", auth=False, json={"email": email, "password": password}
        )
        if login:
            client.login(email, password)
    if as_json:
        print_json(account)
        return
    suffix = " and logged in" if login else ""
    print_message(f"registered {email}{suffix} at {client.base_url}")


def login(
    email_argument: EmailArgument = None,
    email: EmailOption = None,
    password_stdin: PasswordStdinOption = False,
    url: UrlOption = None,
) -> None:
    """Log in; the tokens are kept in your config dir (mode 0600)."""
    email = _email(email_argument, email)
    password = _password(password_stdin, confirm=False)
    with make_client(url) as client:
        client.login(email, password)
    print_message(f"logged in as {email} at {client.base_url}")


def logout(url: UrlOption = None) -> None:
    """Log out: revoke the refresh token and forget the local tokens."""
    with make_client(url) as client:
        was_logged_in = client.logout()
    print_message(f"logged out of {client.base_url}" if was_logged_in else "not logged in")


def whoami(url: UrlOption = None, as_json: JsonOption = False) -> None:
    """Show the account you are logged in as."""
    with make_client(url) as client:
        account = client.json("GET", "/api/auth/me")
    if as_json:
        print_json(account)
    else:
        print_fields(account)


def register_commands(app: typer.Typer) -> None:
    for command in (register, login, logout, whoami):
        app.command(rich_help_panel="Account")(command)
