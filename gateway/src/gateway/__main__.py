"""``python -m gateway``: serve the gateway on ``JOBHUNT_HOST``:``JOBHUNT_PORT``."""

from __future__ import annotations

import uvicorn

from gateway.config import Settings
from gateway.main import create_app


def main() -> None:
    settings = Settings()
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        # The gateway is the edge: X-Forwarded-* from clients are only trusted when asked.
        proxy_headers=settings.forwarded_allow_ips is not None,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        server_header=False,
        date_header=False,
        timeout_graceful_shutdown=5,
    )


if __name__ == "__main__":
    main()
