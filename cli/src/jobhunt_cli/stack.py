"""The local stack: data dir, keys, migrations, ports and the children ``jobhunt up`` runs."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet

from jobhunt_cli.errors import CliError
from jobhunt_cli.services import SERVICES, TRACKER, Service, gateway_unavailable_reason
from jobhunt_cli.supervisor import Child, ChildSpec
from jobhunt_common.auth import generate_keypair
from jobhunt_common.migrations import upgrade

SHEETS_KEY_NAME = "sheets.key"
UVICORN = (sys.executable, "-m", "uvicorn", "--no-access-log", "--factory")


@dataclass(frozen=True)
class Keys:
    private_key: Path
    public_key: Path
    sheets_key: Path


def prepare_data_dir(data_dir: Path) -> Keys:
    """Create the data dir, its logs folder and, on first run, the keys."""
    for folder in (data_dir, data_dir / "logs", data_dir / "run"):
        folder.mkdir(parents=True, exist_ok=True)
    keys_dir = data_dir / "keys"
    private_key, public_key = generate_keypair(keys_dir)
    keys_dir.chmod(0o700)
    return Keys(private_key, public_key, ensure_fernet_key(keys_dir / SHEETS_KEY_NAME))


def ensure_fernet_key(path: Path) -> Path:
    """Write a new Fernet key (32 random bytes, urlsafe base64; mode 0600) unless one exists."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as key_file:
                key_file.write(Fernet.generate_key())
    return path


def service_environment(data_dir: Path, keys: Keys) -> dict[str, str]:
    """The environment every service and the gateway share."""
    env = dict(os.environ)
    env["JOBHUNT_DATA_DIR"] = str(data_dir)
    env.setdefault("JOBHUNT_JWT_PUBLIC_KEY_FILE", str(keys.public_key))
    env.setdefault("TRACKER_JWT_PRIVATE_KEY_FILE", str(keys.private_key))
    env.setdefault("SHEETS_ENCRYPTION_KEY_FILE", str(keys.sheets_key))
    env["PYTHONUNBUFFERED"] = "1"
    return env


def migrate_service(service: Service, data_dir: Path) -> str:
    """Apply one service's migrations to its configured database; return the database URL."""
    data_dir.mkdir(parents=True, exist_ok=True)
    settings = service.settings(data_dir=data_dir)
    url = settings.sqlalchemy_url
    upgrade(service.migrations_dir(), url)
    return url


def available_services(
    services: Iterable[Service], on_skip: Callable[[Service, str], None]
) -> list[Service]:
    """The services that can run here; ``on_skip`` hears about the others."""
    found = []
    for service in services:
        reason = service.unavailable_reason()
        if reason is None:
            found.append(service)
        else:
            on_skip(service, reason)
    return found


def port_is_free(host: str, port: int) -> bool:
    # SO_REUSEADDR as uvicorn binds, so a port in TIME_WAIT counts as free.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def free_ports(host: str, after: int, count: int, taken: set[int]) -> list[int]:
    """``count`` free ports after ``after`` (the next ones up, skipping busy ones)."""
    ports: list[int] = []
    candidate = after
    while len(ports) < count:
        candidate += 1
        if candidate > 65535:
            raise CliError(f"no free port above {after} on {host}")
        if candidate not in taken and port_is_free(host, candidate):
            ports.append(candidate)
    return ports


def service_specs(
    services: Sequence[Service], data_dir: Path, env: dict[str, str], ports: Sequence[int]
) -> list[ChildSpec]:
    """One child per service: uvicorn running the service's app factory on its port."""
    urls = {s.name: f"http://127.0.0.1:{port}" for s, port in zip(services, ports, strict=True)}
    specs = []
    for service, port in zip(services, ports, strict=True):
        child_env = dict(env)
        if service.name == "sheets_sync" and TRACKER.name in urls:
            child_env["SHEETS_TRACKER_URL"] = urls[TRACKER.name]
        specs.append(
            ChildSpec(
                name=service.name,
                argv=[*UVICORN, service.app_factory, "--host", "127.0.0.1", "--port", str(port)],
                env=child_env,
                host="127.0.0.1",
                port=port,
                probe_path="/readyz",
                log_path=data_dir / "logs" / f"{service.name}.log",
            )
        )
    return specs


def gateway_spec(
    services: Sequence[ChildSpec], data_dir: Path, env: dict[str, str], host: str, port: int
) -> ChildSpec:
    """The gateway child, told where every running service is."""
    by_name = {spec.name: spec.url for spec in services}
    child_env = dict(env)
    child_env["JOBHUNT_HOST"] = host
    child_env["JOBHUNT_PORT"] = str(port)
    for service in SERVICES:
        if service.name in by_name:
            child_env[service.gateway_url_env] = by_name[service.name]
    probe_host = "127.0.0.1" if host in {"0.0.0.0", "::", ""} else host
    return ChildSpec(
        name="gateway",
        argv=[sys.executable, "-m", "gateway"],
        env=child_env,
        host=probe_host,
        port=port,
        probe_path="/health",
        log_path=data_dir / "logs" / "gateway.log",
    )


def gateway_available(on_skip: Callable[[str], None]) -> bool:
    reason = gateway_unavailable_reason()
    if reason is not None:
        on_skip(reason)
    return reason is None


def write_state(path: Path, url: str | None, children: Sequence[Child]) -> None:
    """Record the running stack (supervisor PID, children's PIDs and URLs) for other commands."""
    state = {
        "pid": os.getpid(),
        "url": url,
        "children": {
            c.name: {"pid": c.pid, "url": c.spec.url, "state": str(c.state), "restarts": c.restarts}
            for c in children
        },
    }
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(state, indent=2))
    temporary.replace(path)


def read_state(path: Path) -> dict[str, object] | None:
    """The state of a running ``jobhunt up`` for this data dir, or ``None`` if none runs."""
    try:
        state = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    pid = state.get("pid") if isinstance(state, dict) else None
    if not isinstance(pid, int) or not _alive(pid):
        return None
    return state  # type: ignore[no-any-return]


def _alive(pid: int) -> bool:
    """Whether ``pid`` is a live ``jobhunt`` process (not a stranger that reused the PID)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    cmdline = Path(f"/proc/{pid}/cmdline")
    if cmdline.exists():
        with contextlib.suppress(OSError):
            return b"jobhunt" in cmdline.read_bytes()
    return True
