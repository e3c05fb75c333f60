"""Records the Malang history of a case run in working time: ``python -m
tests.record_history_waktu_kerja [NAME]`` writes ``tests/histories/NAME`` (by default
``malang_waktu_kerja.json``), which tests/test_replay.py replays with every other Malang history.
``malang_waktu_kerja.json`` was recorded before ``trail.ONE_ACTIVITY_PATCH`` (a calendar activity,
then the task's write, per step); ``malang_buka_langkah.json`` after it (one activity per step);
``malang_bersambung.json`` after ``trail.CHAINED_PATCH`` (a step's close written with the next
opening).

The case is opened on a Friday at 16.20 WIB on the real calendar (Perpres 21/2023's hours, the
holidays and cuti bersama): ``penerimaan``'s 15 minutes run 10 minutes on Friday and 5 on Monday,
so it breaches on Monday at 07.35 and the Kasubag is told then; the Kasubag and the pelaksana
named get their task's message; the case goes to its end. Its deadlines are markers of the
calendar activity, so the history replays whatever a later ``holidays`` release says.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from temporalio.testing import WorkflowEnvironment

from activities.dev_outbox import DevOutboxSender
from alur.seed import seed_officers
from alur.settings import Settings
from alur.temporal import data_converter, register_search_attributes, test_server_path
from alur.working_time import Kalender
from db.migrate import upgrade
from db.session import make_engine, make_session_factory, transaction
from tests import malang_helpers as m
from tests.conftest import TEST_PAYLOAD_KEY
from worker import build_workers
from workflows.malang.models import Perintah

HISTORIES = Path(__file__).resolve().parent / "histories"
WIB = ZoneInfo("Asia/Jakarta")


def next_friday_evening(now: datetime) -> datetime:
    """The next working Friday (with a working Monday after it), at 16.20 WIB."""
    cal = Kalender()
    day = now.astimezone(WIB).date() + timedelta(days=1)
    while not (
        day.weekday() == 4 and cal.libur(day) is None and cal.libur(day + timedelta(3)) is None
    ):
        day += timedelta(days=1)
    return datetime.combine(day, time(16, 20), WIB)


async def record(name: str = "malang_waktu_kerja.json") -> None:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=test_server_path(),
        data_converter=data_converter(TEST_PAYLOAD_KEY),
    )
    await register_search_attributes(env.client, "default")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/alur.db"
        upgrade(url)
        engine = make_engine(url)
        sessions = make_session_factory(engine)
        with transaction(sessions) as s:
            seed_officers(s)
        settings = Settings(_env_file=None, environment="test")
        workers = build_workers(
            env.client,
            task_queue="record",
            session_factory=sessions,
            sender=DevOutboxSender(),
            settings=settings,
        )
        async with workers[0], workers[1]:
            friday = next_friday_evening((await env.get_current_time()).astimezone(UTC))
            await env.sleep(friday - (await env.get_current_time()))
            handle = await m.start(env.client, "record", m.laporan("MLG-REPLAY-WK"))
            await m.wait_step(handle, "penerimaan")
            await env.sleep(timedelta(days=2, hours=15, minutes=30))  # Monday 07.50
            await m.wait_overdue(handle)
            await m.forward(handle)
            await m.wait_step(handle, "disposisi")
            await m.dispose(handle)
            await m.wait_step(handle, "perintah")
            await handle.signal(
                "perintah",
                Perintah(
                    action_id=m.aid(),
                    actor=m.KASUBAG,
                    pelaksana="malang.pelaksana",
                    instruksi="Siapkan bahan",
                ),
            )
            await m.wait_step(handle, "draf_tanggapan")
            pelaksana = m.STAF.model_copy(update={"username": "malang.pelaksana"})
            await m.write_draft(handle, "Lampu diperbaiki Rabu", actor=pelaksana)
            await m.submit_draft(handle, actor=pelaksana)
            await m.review(handle, approve=True)
            await m.wait_step(handle, "penyampaian")
            await m.deliver(handle)
            await handle.result()
            history = await handle.fetch_history()
        engine.dispose()
    (HISTORIES / name).write_text(history.to_json())
    await env.shutdown()


if __name__ == "__main__":
    asyncio.run(record(*sys.argv[1:2]))
