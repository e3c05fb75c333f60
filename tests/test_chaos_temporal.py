"""Chaos: the Temporal dev server is stopped while officers are half-way through 10 Malang
complaints and started again on the same state file. Every case must pick up where it was and
finish, with the same worker process and the same API (their connections come back by themselves),
each step taken once and each citizen told once.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from tests.chaos_stack import STEPS, Officers, running_stack

CASES = 10
HALF_WAY = 3
"""Steps every case has taken before the server goes away (penerimaan, disposisi, perintah)."""
DOWN_S = 3.0


async def test_temporal_restarted_mid_flight_every_case_resumes(
    tmp_path: Path, sqlite_url: str
) -> None:
    async with running_stack(tmp_path, sqlite_url) as stack:
        people = stack.people
        numbers = [await people.file(n) for n in range(CASES)]
        await asyncio.gather(*(people.drive(n, upto=HALF_WAY) for n in numbers))
        for number in numbers:  # a 202 says the action was sent: the case moves on just after
            assert await _reaches(people, number, STEPS[HALF_WAY][0])

        async def rest_of(number: str) -> None:
            for step, who, body in STEPS[HALF_WAY:]:
                await people.act(number, step, who, body)

        async with asyncio.TaskGroup() as group:
            for number in numbers:
                group.create_task(rest_of(number))
            await asyncio.sleep(0.1)  # some actions in flight, some cases between steps
            await asyncio.to_thread(stack.temporal.stop)  # the officers' requests go on meanwhile
            down = time.monotonic()
            await asyncio.sleep(DOWN_S)
            up = time.monotonic()
            stack.temporal.start()
            await stack.temporal.client()

        assert stack.worker.proc is not None and stack.worker.proc.poll() is None, "worker died"
        await people.wait_done(numbers)
        for number in numbers:
            await people.check_outcome(number)
        # the outage met the officers: actions were sent or answered while the server was down
        # (refused with 503, or held by the client's retries until it was back)
        met = [(s, a) for s, a in people.spans if s < up and a > down]
        assert met, "no action was in flight during the outage"


async def _reaches(people: Officers, number: str, step: str, timeout: float = 30) -> bool:
    """The public page shows the case at ``step`` within ``timeout`` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while (await people.public(number))["langkah_sekarang"] != step:
        if asyncio.get_running_loop().time() > deadline:
            return False
        await asyncio.sleep(0.2)
    return True
