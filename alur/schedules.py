"""Temporal Schedules Alur needs (created or updated when the worker starts).

Placeholder: the Magelang issue adds the daily MAGESTY statistics report here.
"""

from __future__ import annotations

from temporalio.client import Client


async def ensure_schedules(client: Client, task_queue: str) -> None:
    """Create Alur's schedules if missing, bring existing ones up to date."""
    del client, task_queue
