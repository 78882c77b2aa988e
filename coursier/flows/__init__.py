"""Prefect flows, one module per procedure: each reads like a table of contents."""
