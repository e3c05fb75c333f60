"""Writing the case's read model from a workflow: as local activities.

A case's database writes (task opened, step done, audit line) are quick, local and idempotent, so
they run as local activities inside the workflow task instead of a round trip through the task
queue each: the bench measured the difference (README). Retries beyond the workflow task's
timeout fall back to timers, so a database restart still only delays a case.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.case import policies

I = TypeVar("I")  # noqa: E741


async def record(activity: Callable[[Any, I], None], arg: I, *, summary: str) -> None:
    """Run one case-record activity (a method of ``CaseRecordActivities``) to completion."""
    await workflow.execute_local_activity_method(
        activity,
        arg,
        start_to_close_timeout=policies.DB_START_TO_CLOSE,
        retry_policy=policies.DB_RETRY,
        summary=summary,
    )
