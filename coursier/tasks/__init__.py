"""Prefect tasks, grouped by concern: thin, they call models, connectors and the store."""
