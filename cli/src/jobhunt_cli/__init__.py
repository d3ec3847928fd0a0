"""The jobhunt command."""
