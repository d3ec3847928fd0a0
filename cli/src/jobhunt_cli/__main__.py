"""``python -m jobhunt_cli``: the ``jobhunt`` command."""

from jobhunt_cli.main import main

main()
