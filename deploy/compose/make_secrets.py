"""Write the secrets docker-compose.yml mounts: `uv run python deploy/compose/make_secrets.py`.

Creates what is missing, never overwrites: an Ed25519 JWT key pair, the sheets Fernet key,
a PostgreSQL password and the three services' PostgreSQL URLs (used by the `postgres`
profile only). Compose bind-mounts file secrets with their host permissions and the
containers run as uid 10001, so the files are world-readable inside a 0700 directory.
"""

from __future__ import annotations

import argparse
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet

from jobhunt_common.auth import generate_keypair

DEFAULT_DIR = Path("data/compose-secrets")
# (secret file, database name): the databases deploy/compose/postgres-init.sql creates.
DATABASE_URL_FILES = (
    ("tracker_database_url", "tracker"),
    ("keywords_database_url", "keyword_analyzer"),
    ("sheets_database_url", "sheets_sync"),
)


def _write_new(path: Path, content: bytes) -> bool:
    if path.exists():
        return False
    path.write_bytes(content)
    return True


def make_secrets(directory: Path) -> list[Path]:
    """Create the missing secret files in ``directory``; return the ones created."""
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)
    created: list[Path] = []
    keys_existed = (directory / "jwt_private.pem").exists()
    private_path, public_path = generate_keypair(directory)
    if not keys_existed:
        created += [private_path, public_path]
    if _write_new(directory / "sheets_encryption.key", Fernet.generate_key()):
        created.append(directory / "sheets_encryption.key")
    password_path = directory / "postgres_password"
    if _write_new(password_path, secrets.token_urlsafe(32).encode()):
        created.append(password_path)
    password = password_path.read_text().strip()
    for file_name, database in DATABASE_URL_FILES:
        url = f"postgresql://jobhunt:{password}@postgres:5432/{database}"
        if _write_new(directory / file_name, url.encode()):
            created.append(directory / file_name)
    for path in directory.iterdir():
        path.chmod(0o644)
    return created


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--dir",
        type=Path,
        default=Path(os.environ.get("JOBHUNT_SECRETS_DIR", DEFAULT_DIR)),
        help="where docker-compose.yml looks (JOBHUNT_SECRETS_DIR, default %(default)s)",
    )
    args = parser.parse_args(argv)
    created = make_secrets(args.dir)
    for path in created:
        print(f"created {path}")
    if not created:
        print(f"all secrets already in {args.dir}")


if __name__ == "__main__":
    main()
