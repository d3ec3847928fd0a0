"""Connections, service-account credentials, runs and conflicts: the service's API."""
