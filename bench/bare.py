"""Bare Temporal, the scale bench's yardstick: a workflow that waits for Malang's seven step signals
in order and does nothing else (no activities, no read model, no timers), and the flow that drives
it as the scale bench drives Alur (signal, then poll a ``status`` query until the next step shows).

Whatever Alur costs above this is Alur's: its API checks, its database writes, its SLA timers and
its bigger workflow state. Run the worker with ``python -m bench.bare --address A --queue Q`` (the
scale bench starts it as its own process, as Alur's worker is).
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid

from pydantic import BaseModel
from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from temporalio.client import Client, WorkflowHandle
    from temporalio.service import RPCError
    from temporalio.worker import Worker

    from bench.common import RETRY_SLEEP_S, STEP_TIMEOUT_S, BenchError, CaseTiming

STEPS = (
    "penerimaan",
    "disposisi",
    "perintah",
    "draf_tanggapan",
    "pengajuan_draf",
    "telaah",
    "penyampaian",
)
"""Malang's seven steps, in order (the same names Alur's Malang workflow signals)."""


class BareStatus(BaseModel):
    """Where the bare case waits (``None`` once every step is done)."""

    current_step: str | None


class BareAction(BaseModel):
    """A signal's payload, of the size of an officer's action in Alur."""

    action_id: str
    note: str = ""


@workflow.defn(name="BenchBareSteps")
class BareStepsWorkflow:
    """Waits for each step's signal in order; a signal for another step is ignored."""

    def __init__(self) -> None:
        self._at = 0

    @workflow.run
    async def run(self) -> int:
        await workflow.wait_condition(lambda: self._at == len(STEPS))
        return self._at

    @workflow.signal(dynamic=True)
    def step(self, name: str, *_args: object) -> None:
        if self._at < len(STEPS) and name == STEPS[self._at]:
            self._at += 1

    @workflow.query
    def status(self) -> BareStatus:
        return BareStatus(current_step=STEPS[self._at] if self._at < len(STEPS) else None)


Handle = WorkflowHandle[BareStepsWorkflow, int]


async def start_bare(client: Client, queue: str) -> Handle:
    """One bare case, waiting at its first step."""
    return await client.start_workflow(
        BareStepsWorkflow.run, id=f"bench-bare-{uuid.uuid4().hex}", task_queue=queue
    )


async def wait_step(handle: Handle, step: str | None, timeout: float = STEP_TIMEOUT_S) -> int:
    """Poll the ``status`` query until the case waits on ``step``; returns the polls missed."""
    deadline = time.monotonic() + timeout
    waits = 0
    while True:
        try:
            status = await handle.query(BareStepsWorkflow.status)
        except RPCError:  # a worker still working through a backlog: the query timed out
            status = None
        if status is not None and status.current_step == step:
            return waits
        if time.monotonic() > deadline:
            raise BenchError(f"{handle.id} did not reach {step} within {timeout:.0f} s")
        waits += 1
        await asyncio.sleep(RETRY_SLEEP_S)


async def act(handle: Handle, step: str) -> None:
    """One step's signal."""
    await handle.signal(step, BareAction(action_id=uuid.uuid4().hex))


async def whole_case(client: Client, queue: str) -> CaseTiming:
    """A bare case from its start through its seven signals to its result."""
    started = time.perf_counter()
    handle = await start_bare(client, queue)
    waits = 0
    for step in STEPS:
        waits += await wait_step(handle, step)
        await act(handle, step)
    await handle.result()
    return CaseTiming(time.perf_counter() - started, waits)


async def _serve(address: str, queue: str, payload_key: str, cache: int) -> None:
    from alur.temporal import data_converter

    client = await Client.connect(address, data_converter=data_converter(payload_key))
    worker = Worker(
        client, task_queue=queue, workflows=[BareStepsWorkflow], max_cached_workflows=cache
    )
    print(f"bare worker polling {queue}", flush=True)  # noqa: T201
    await worker.run()


def main() -> None:
    parser = argparse.ArgumentParser(description="the bare-Temporal worker of the scale bench")
    parser.add_argument("--address", required=True)
    parser.add_argument("--queue", required=True)
    parser.add_argument("--payload-key", required=True)
    parser.add_argument("--cache", type=int, default=1000, help="workflows kept cached")
    args = parser.parse_args()
    try:
        asyncio.run(_serve(args.address, args.queue, args.payload_key, args.cache))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
