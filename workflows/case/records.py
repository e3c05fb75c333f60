"""Writing the case's read model from a workflow (as local activities), and sending a message
(on the notifications queue, under the provider's rate limit).

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
R = TypeVar("R")


async def record(activity: Callable[[Any, I], object], arg: I, *, summary: str) -> None:
    """Run one case-record activity (a method of ``CaseRecordActivities``) to completion; its
    result, if any, is not needed."""
    await workflow.execute_local_activity_method(
        activity,
        arg,
        start_to_close_timeout=policies.DB_START_TO_CLOSE,
        retry_policy=policies.DB_RETRY,
        summary=summary,
    )


def notification_queue() -> str:
    """The notification task queue that pairs with this workflow's own queue."""
    return f"{workflow.info().task_queue}-notifications"


async def notify(activity: Callable[[Any, I], R], arg: I, *, summary: str) -> R:
    """Run one message-sending activity with the shared notification bounds and retries."""
    result: R = await workflow.execute_activity_method(
        activity,
        arg,
        task_queue=notification_queue(),
        start_to_close_timeout=policies.NOTIFY_START_TO_CLOSE,
        schedule_to_close_timeout=policies.NOTIFY_SCHEDULE_TO_CLOSE,
        retry_policy=policies.NOTIFY_RETRY,
        summary=summary,
    )
    return result
