"""A message to one officer that no case workflow sends: a task handed to them by a colleague.

A delegation happens in the API (``api.cases.claims.delegate_task``), not in the case's workflow,
so the workflow has nothing to tell the new holder. The API starts this short workflow instead
(``kabari_petugas``): one ``notify_officers`` activity for that officer on the notifications queue,
with the same bounds, retries and log as every other message (``workflows.case.records.notify``),
so the API never sends anything itself and the message is retried like any other. Its input
names the officer by username (the activity looks the number up), so no phone number enters
history. Its id is the delegation's own, so a retried start sends once.
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.notifications import NotificationActivities, NotifyOfficersInput, NotifyResult
    from workflows.case.records import notify


@workflow.defn(name="PemberitahuanPetugas")
class PemberitahuanPetugasWorkflow:
    """Tell one officer of a task handed to them."""

    @workflow.run
    async def run(self, inp: NotifyOfficersInput) -> NotifyResult:
        return await notify(
            NotificationActivities.notify_officers,
            inp,
            summary=f"kabari {inp.username or inp.role}: {inp.purpose}",
        )


def workflow_id_for(key: str) -> str:
    """The workflow id of one message (the delegation's audit key)."""
    return f"pemberitahuan-{key}"
