"""Funnel analytics over the status event log."""
