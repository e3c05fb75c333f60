"""Timeouts and retry policies of activity calls, in one place so every SOP uses the same ones.

Database activities are local and quick: short attempts, retried for a while so a database restart
does not fail a case. Notification activities reach the outside: backoff, and a bound on the whole.
"""

from datetime import timedelta

from temporalio.common import RetryPolicy

DB_START_TO_CLOSE = timedelta(seconds=15)
DB_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=200),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=10),
)

NOTIFY_START_TO_CLOSE = timedelta(seconds=15)
NOTIFY_SCHEDULE_TO_CLOSE = timedelta(minutes=10)
NOTIFY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=30),
    non_retryable_error_types=["InvalidRecipient"],
)

MIN_TIMER = timedelta(seconds=1)
"""Shortest wait the step timer sets: a deadline already past still gets one tick."""

CALENDAR_START_TO_CLOSE = timedelta(seconds=10)
"""The deadline activity is a computation over the agency's calendar (its holidays loaded once):
quick, local, retried with ``DB_RETRY`` like the database writes."""
