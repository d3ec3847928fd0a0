"""The command groups of ``jobhunt``, one module per area."""
