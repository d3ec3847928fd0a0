"""``python -m sheets_sync.fake_google [--host H] [--port P]``."""

from __future__ import annotations

import argparse

from sheets_sync.fake_google.server import serve


def main() -> None:
    parser = argparse.ArgumentParser(description="A local fake of the Google Sheets API.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    args = parser.parse_args()
    serve(args.host, args.port)


if __name__ == "__main__":
    main()
