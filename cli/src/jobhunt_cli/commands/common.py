"""Options shared by the client commands, and how they build an ``ApiClient``."""

from __future__ import annotations

from typing import Annotated

import typer

from jobhunt_cli.client import ApiClient
from jobhunt_cli.config import CliSettings
from jobhunt_cli.credentials import CredentialStore

UrlOption = Annotated[
    str | None,
    typer.Option(
        "--url",
        help="Gateway URL (default: $JOBHUNT_URL, else http://127.0.0.1:$JOBHUNT_PORT).",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def make_client(url: str | None) -> ApiClient:
    settings = CliSettings.load()
    return ApiClient(url or settings.gateway_url, CredentialStore(settings.credentials_path))
