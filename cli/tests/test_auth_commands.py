from __future__ import annotations

import json
import stat
from pathlib import Path

from cli_fake_api import FakeState
from cli_helpers import Invoke, free_port, register


def test_register_logs_in_and_keeps_tokens_private(
    jobhunt: Invoke, fake_url: str, cli_env: Path
) -> None:
    register(jobhunt, fake_url)

    credentials = cli_env / "credentials.json"
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    assert set(json.loads(credentials.read_text())) == {fake_url}
    whoami = jobhunt("whoami", "--json", "--url", fake_url)
    assert json.loads(whoami.stdout) == {"email": "ada@example.com"}


def test_login_with_a_wrong_password_is_an_auth_error(jobhunt: Invoke, fake_url: str) -> None:
    register(jobhunt, fake_url)
    result = jobhunt(
        "login", "-e", "ada@example.com", "--password-stdin", "--url", fake_url, input="wrong\n"
    )
    assert result.exit_code == 3
    assert "Unauthorized: Incorrect email or password." in result.stderr
    assert "Traceback" not in result.output


def test_validation_errors_show_title_detail_and_fields(jobhunt: Invoke, fake_url: str) -> None:
    result = jobhunt(
        "register", "-e", "bob@example.com", "--password-stdin", "--url", fake_url, input="short\n"
    )
    assert result.exit_code == 1
    assert "jobhunt: Unprocessable Entity: Invalid request: password." in result.stderr
    assert "  password: at least 8 characters" in result.stderr


def test_commands_need_a_login(jobhunt: Invoke, fake_url: str) -> None:
    result = jobhunt("apps", "list", "--url", fake_url)
    assert result.exit_code == 3
    assert result.stderr.strip() == f"jobhunt: not logged in to {fake_url}: run `jobhunt login`"


def test_an_unreachable_gateway_is_exit_code_4_without_traceback(jobhunt: Invoke) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = jobhunt("login", "-e", "a@b.c", "--password-stdin", "--url", url, input="x\n")
    assert result.exit_code == 4
    assert result.stderr.startswith(f"jobhunt: cannot connect to {url}")
    assert "Traceback" not in result.output


def test_an_expired_access_token_is_refreshed_before_the_call(
    jobhunt: Invoke, fake_url: str, fake_state: FakeState
) -> None:
    fake_state.expires_in = 0
    register(jobhunt, fake_url)

    assert jobhunt("apps", "list", "--url", fake_url).exit_code == 0
    assert jobhunt("apps", "list", "--url", fake_url).exit_code == 0

    assert fake_state.calls["refresh"] == 2


def test_a_401_refreshes_once_then_retries(
    jobhunt: Invoke, fake_url: str, fake_state: FakeState
) -> None:
    register(jobhunt, fake_url)
    fake_state.access.clear()  # the server no longer accepts the access token

    result = jobhunt("apps", "list", "--url", fake_url)

    assert result.exit_code == 0, result.output
    assert fake_state.calls["refresh"] == 1


def test_a_refused_refresh_means_log_in_again(
    jobhunt: Invoke, fake_url: str, fake_state: FakeState, cli_env: Path
) -> None:
    register(jobhunt, fake_url)
    fake_state.access.clear()
    fake_state.refresh.clear()

    result = jobhunt("apps", "list", "--url", fake_url)

    assert result.exit_code == 3
    assert "has expired: run `jobhunt login` again" in result.stderr
    assert json.loads((cli_env / "credentials.json").read_text()) == {}


def test_logout_revokes_and_forgets(jobhunt: Invoke, fake_url: str, fake_state: FakeState) -> None:
    register(jobhunt, fake_url)

    assert jobhunt("logout", "--url", fake_url).exit_code == 0

    assert fake_state.calls["logout"] == 1
    assert not fake_state.refresh
    assert jobhunt("apps", "list", "--url", fake_url).exit_code == 3


def test_email_as_argument_and_prompted_password(jobhunt: Invoke, fake_url: str) -> None:
    registered = jobhunt("register", "lin@example.com", "--url", fake_url, input="secret pw\n" * 2)
    assert registered.exit_code == 0, registered.output
    assert jobhunt("logout", "--url", fake_url).exit_code == 0

    prompted = jobhunt("login", "--url", fake_url, input="lin@example.com\nsecret pw\n")

    assert prompted.exit_code == 0, prompted.output
    assert prompted.stdout.strip().endswith(f"logged in as lin@example.com at {fake_url}")
