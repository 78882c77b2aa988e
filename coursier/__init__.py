"""coursier: Prefect pipelines for payroll declarations and HR syncs, unattended and auditable."""

__version__ = "0.1.0"
