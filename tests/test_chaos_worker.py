"""Chaos: the worker process is killed with SIGKILL at random moments, and once right as the
citizens' messages go out, while officers take 20 Malang complaints through their seven steps over
the API; a supervisor (here the test) starts it again each time. Every case must finish, each
citizen must get exactly one message, and no step may be taken or logged twice.

The moments come from a seeded random generator; the seed is printed so a failure can be replayed
(``ALUR_CHAOS_SEED``).
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from pathlib import Path

from sqlalchemy import func, select

from db.models import Notification
from db.session import make_engine
from tests.chaos_stack import Stack, running_stack

CASES = 20
RANDOM_KILLS = 3


async def _restart_after_kill(stack: Stack, rng: random.Random) -> None:
    stack.worker.kill()
    await asyncio.sleep(rng.uniform(0.0, 1.0))
    stack.worker.start()
    await stack.worker.polling()


async def _kill_at_random(stack: Stack, rng: random.Random, lock: asyncio.Lock) -> int:
    kills = 0
    for _ in range(RANDOM_KILLS):
        await asyncio.sleep(rng.uniform(0.5, 3.0))
        async with lock:
            await _restart_after_kill(stack, rng)
        kills += 1
    return kills


async def _kill_when_messages_go_out(
    stack: Stack, url: str, rng: random.Random, lock: asyncio.Lock
) -> int:
    """Kill the worker the moment the first response to a citizen is logged (it may be
    mid-send)."""
    engine = make_engine(url)
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                logged = conn.scalar(
                    select(func.count())
                    .select_from(Notification)
                    .where(Notification.purpose == "tanggapan")
                )
            if logged:
                async with lock:
                    await _restart_after_kill(stack, rng)
                return 1
            await asyncio.sleep(0.02)
        raise AssertionError("no citizen message was ever logged")
    finally:
        engine.dispose()


async def test_worker_killed_at_random_moments_loses_and_repeats_nothing(
    tmp_path: Path, sqlite_url: str
) -> None:
    seed = int(os.environ.get("ALUR_CHAOS_SEED", random.randrange(1 << 30)))
    print(f"chaos seed {seed}")  # noqa: T201
    rng = random.Random(seed)
    async with running_stack(tmp_path, sqlite_url) as stack:
        people = stack.people
        numbers = [await people.file(n) for n in range(CASES)]
        lock = asyncio.Lock()
        async with asyncio.TaskGroup() as group:
            random_kills = group.create_task(_kill_at_random(stack, rng, lock))
            message_kill = group.create_task(
                _kill_when_messages_go_out(stack, sqlite_url, rng, lock)
            )
            for number in numbers:
                group.create_task(people.drive(number))
        assert random_kills.result() + message_kill.result() == RANDOM_KILLS + 1
        assert stack.worker.starts == RANDOM_KILLS + 2
        await people.wait_done(numbers)
        for number in numbers:
            await people.check_outcome(number)
        if people.cut_off:  # a kill landed between a send's log line and its answer
            print(f"sends cut off by a kill (not repeated): {len(people.cut_off)}")  # noqa: T201
