"""``acted_first``: the 409 that names who acted first is for the same turn only. In a review
chain (Trenggalek's telaah_pimpinan, one step taken by Kasi, Kepala Bidang, Sekretaris and Kepala
Dinas in turn) the Kepala Bidang who acts the moment the Kasi's turn closes is not told the Kasi
"acted first" on his step: his own turn is still to come. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from api.cases.claims import acted_first
from db.base import utcnow
from db.models import Task
from db.session import transaction
from tests.db_backends import seeded_database

NUMBER = "TRG-ACTED-FIRST"


@pytest.fixture(params=["sqlite", "postgresql"])
def sessions(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    """The Kasi's turn of telaah_pimpinan, done."""
    with seeded_database(request.param, tmp_path) as factory:
        now = utcnow()
        with transaction(factory) as s:
            s.add(
                Task(
                    task_key=f"trenggalek-{NUMBER}/telaah_pimpinan/1/kasi",
                    workflow_id=f"trenggalek-{NUMBER}",
                    case_number=NUMBER,
                    sop="trenggalek-persetujuan-aplikasi",
                    agency="trenggalek-diskominfo",
                    step="telaah_pimpinan",
                    round=1,
                    role="kasi",
                    title="Telaah Kasi",
                    status="done",
                    opened_at=now,
                    completed_at=now,
                    completed_by="trenggalek.kasi",
                    outcome="teruskan",
                )
            )
        yield factory


def test_the_next_level_is_not_told_the_level_below_acted_first(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as s:
        first = acted_first(s, case_number=NUMBER, step="telaah_pimpinan", role="kepala_bidang")
    assert first is None


def test_a_second_action_on_the_same_turn_names_who_took_it(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as s:
        first = acted_first(s, case_number=NUMBER, step="telaah_pimpinan", role="kasi")
    assert first is not None and first.code == "sudah_ditindaklanjuti"
    assert first.message.startswith("Langkah telaah_pimpinan sudah ditindaklanjuti oleh ")
    assert first.detail is not None and first.detail["oleh"] == "trenggalek.kasi"
