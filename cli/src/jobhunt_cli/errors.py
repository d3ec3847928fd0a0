"""The CLI's one error type and the exit codes scripts can trust.

0  success
1  the API answered with an error (4xx/5xx problem details)
2  usage error (bad arguments, unreadable input file)
3  not logged in, or the login expired and could not be refreshed
4  cannot connect to the gateway
"""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    OK = 0
    API_ERROR = 1
    USAGE = 2
    AUTH = 3
    CONNECTION = 4


class CliError(Exception):
    """An expected failure: printed as one line, then the process exits with ``exit_code``."""

    def __init__(self, message: str, exit_code: ExitCode = ExitCode.API_ERROR) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
