"""Optimistic concurrency over HTTP: ``ETag`` from a row version, ``If-Match`` checks."""

from __future__ import annotations

from jobhunt_common.errors import BadRequest, PreconditionFailed


def etag_for(version: int) -> str:
    """The strong entity tag of a row version."""
    return f'"{version}"'


def parse_if_match(header: str | None) -> set[int] | None:
    """The versions named by an ``If-Match`` header; ``None`` for absent or ``*``."""
    if header is None or header.strip() == "*":
        return None
    versions: set[int] = set()
    for tag in header.split(","):
        tag = tag.strip().removeprefix("W/").strip('"')
        if not tag.isdigit():
            raise BadRequest(f"If-Match holds an entity tag that is not ours: {tag!r}.")
        versions.add(int(tag))
    return versions


def check_if_match(header: str | None, current_version: int) -> None:
    """``PreconditionFailed`` when ``If-Match`` names a version other than the current one."""
    versions = parse_if_match(header)
    if versions is not None and current_version not in versions:
        raise PreconditionFailed(
            f"The resource has changed (now version {current_version}); fetch it and retry.",
            headers={"ETag": etag_for(current_version)},
        )
