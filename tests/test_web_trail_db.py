"""The trail in words, the printed record's signature and late marks, a case's flowchart progress
and the citizen's tracking steps, read from the read model on SQLite and PostgreSQL (timestamps as
each backend returns them, the officer's NIP from migration 0011)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from alur.settings_trenggalek import TrenggalekSettings
from api.trenggalek.trail import build_trail
from api.web.flowchart import progress_from_tasks
from api.web.lacak import langkah_publik
from api.web.trail_words import jejak_kata
from db.migrate import upgrade
from db.models import AuditEvent, Case, Officer, Task
from db.session import make_engine, make_session_factory, transaction
from db.trenggalek.models import TrenggalekUsulan
from sop.trenggalek import TRENGGALEK
from tests.db_backends import database

T0 = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)  # Monday 08.00 WIB
NUMBER = "TRG-261130-TRAIL0001"
WF = f"trenggalek-{NUMBER}"
AGENCY = TRENGGALEK.agensi
PEOPLE = {
    "trenggalek.fungsional": ("Rina Wulandari, S.Kom.", "fungsional", None),
    "trenggalek.kasi": ("Bambang Setiawan", "kasi", None),
    "trenggalek.kepala_dinas": ("Dr. Ir. Sri Mulyani", "kepala_dinas", "19700101 199503 2 001"),
}


@pytest.fixture(params=["sqlite", "postgresql"])
def factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    with database(request.param, tmp_path) as url:
        upgrade(url)
        eng = make_engine(url)
        yield make_session_factory(eng)
        eng.dispose()


def _event(n: int, event: str, step: str | None, minutes: int, **kw: Any) -> AuditEvent:
    return AuditEvent(
        event_key=f"{WF}/{n}",
        workflow_id=WF,
        case_number=NUMBER,
        step=step,
        round=kw.pop("round", 1 if step else None),
        event=event,
        at=T0 + timedelta(minutes=minutes),
        detail=kw.pop("detail", {}),
        **kw,
    )


def _task(step: str, role: str, opened: int, done: int | None, **kw: Any) -> Task:
    return Task(
        task_key=f"{WF}/{step}/1/{role}",
        workflow_id=WF,
        case_number=NUMBER,
        sop=TRENGGALEK.kode,
        agency=AGENCY,
        step=step,
        round=1,
        role=role,
        title=step,
        status="done" if done is not None else "open",
        opened_at=T0 + timedelta(minutes=opened),
        due_at=T0 + timedelta(minutes=opened + 15),
        completed_at=T0 + timedelta(minutes=done) if done is not None else None,
        **kw,
    )


def _seed(factory: sessionmaker[Session], *, decided: bool) -> None:
    with transaction(factory) as s:
        for username, (name, role, nip) in PEOPLE.items():
            s.add(
                Officer(
                    username=username,
                    full_name=name,
                    password_hash="-",
                    agency=AGENCY,
                    unit="Bidang Aplikasi dan Informatika",
                    role=role,
                    nip=nip,
                )
            )
        case = Case(
            case_number=NUMBER,
            workflow_id=WF,
            sop=TRENGGALEK.kode,
            agency=AGENCY,
            kind="usulan_aplikasi",
            channel="internal",
            subject="Aplikasi antrean MPP",
            status="disetujui" if decided else "ditelaah",
            current_step="tindak_lanjut" if decided else "telaah_pimpinan",
            created_at=T0,
            updated_at=T0,
        )
        s.add(case)
        s.flush()
        s.add(
            TrenggalekUsulan(
                case_id=case.id,
                case_number=NUMBER,
                nomor_agenda="00001/APTIKA/2026",
                judul=case.subject,
                pengusul="trenggalek.fungsional",
            )
        )
        s.add(_task("perumusan", "kasi", 0, 10))
        s.add(_task("telaah_pimpinan", "kasi", 10, 12))
        events = [
            _event(1, "kasus_dibuka", None, 0),
            _event(2, "aksi_diterima", "perumusan", 10, actor="trenggalek.kasi",
                   actor_role="kasi", detail={"teks": "rumusan", "catatan": None}),
            _event(8, "langkah_selesai", "perumusan", 10, actor="trenggalek.kasi",
                   actor_role="kasi", detail={"durasi_detik": 600.0, "tepat_waktu": True}),
            _event(3, "aksi_ditolak", "telaah_pimpinan", 11, actor="trenggalek.fungsional",
                   actor_role="fungsional",
                   detail={"alasan": "Langkah telaah_pimpinan dilakukan oleh peran kasi, "
                           "bukan fungsional"}),
            _event(4, "aksi_diterima", "telaah_pimpinan", 12, actor="trenggalek.kasi",
                   actor_role="kasi", detail={"keputusan": "teruskan", "catatan": "Lanjut"}),
        ]  # fmt: skip
        if decided:
            s.add(_task("telaah_pimpinan", "kepala_dinas", 12, 40, overdue=True))
            s.add(_task("tindak_lanjut", "kepala_bidang", 40, None))
            events += [
                _event(5, "sla_terlampaui", "telaah_pimpinan", 27,
                       detail={"mutu_baku": "15 menit", "pelaksana": "kepala_dinas"}),
                _event(6, "aksi_diterima", "telaah_pimpinan", 40, actor="trenggalek.kepala_dinas",
                       actor_role="kepala_dinas", detail={"keputusan": "setuju"}),
            ]  # fmt: skip
        else:
            s.add(_task("telaah_pimpinan", "kepala_dinas", 12, None))
        s.add_all(events)


def test_the_record_names_the_deciding_kepala_dinas_and_marks_the_late_level(
    factory: sessionmaker[Session],
) -> None:
    _seed(factory, decided=True)
    settings = TrenggalekSettings(alamat_kop="Jl. Contoh No. 1, Trenggalek 66311")
    with factory() as s:
        case = s.scalar(select(Case).where(Case.case_number == NUMBER))
        assert case is not None
        trail = build_trail(s, case, settings)
        tasks = s.scalars(select(Task).where(Task.case_number == NUMBER)).all()
        progress = progress_from_tasks(tasks)
    assert trail.alamat_kop == "Jl. Contoh No. 1, Trenggalek 66311"
    assert trail.tempat_tanggal == "Trenggalek, 30 November 2026"
    assert trail.penandatangan is not None
    assert (trail.penandatangan.nama, trail.penandatangan.nip) == (
        "Dr. Ir. Sri Mulyani",
        "19700101 199503 2 001",
    )
    assert [(d.peran, d.terlambat) for d in trail.disposisi] == [
        ("kasi", False),
        ("kasi", False),
        ("kepala_dinas", True),
    ]
    assert trail.disposisi[1].keputusan_teks == "Diteruskan ke jenjang berikutnya"
    assert trail.disposisi[0].waktu_teks == "Senin, 30 November 2026 08.10 WIB"
    refused = next(a for a in trail.arsip if a.ditolak)
    assert refused.pelaku_nama == "Rina Wulandari, S.Kom." and refused.jabatan == "Fungsional"
    assert refused.keterangan.startswith("Alasan penolakan: Langkah «4. Menelaah rumusan")
    assert refused.keterangan.endswith("dilakukan oleh peran Kasi, bukan Fungsional")
    breach = next(a for a in trail.arsip if a.peristiwa == "sla_terlampaui")
    assert breach.terlambat and breach.peristiwa_teks == "Melewati mutu baku waktu"

    assert progress.sekarang == "tindak_lanjut" and not progress.sekarang_terlambat
    assert progress.selesai["perumusan"].durasi == "10 menit"
    assert not progress.selesai["perumusan"].terlambat
    telaah = progress.selesai["telaah_pimpinan"]
    assert (telaah.durasi, telaah.terlambat, telaah.putaran) == ("30 menit", True, 2)


def test_an_undecided_record_leaves_the_signature_blank_and_tracking_shows_the_step(
    factory: sessionmaker[Session],
) -> None:
    _seed(factory, decided=False)
    with factory() as s:
        case = s.scalar(select(Case).where(Case.case_number == NUMBER))
        assert case is not None
        trail = build_trail(s, case)
        officers = s.scalars(select(Officer)).all()
        events = s.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        lines = jejak_kata(events, officers, TRENGGALEK)
        steps = langkah_publik(s, case, TRENGGALEK)
    assert trail.penandatangan is not None and trail.penandatangan.nama is None
    assert trail.status_teks == "Sedang ditelaah pimpinan"
    assert [ln.pelaku for ln in lines] == [
        "Sistem Alur",
        "Bambang Setiawan",
        "Bambang Setiawan",
        "Rina Wulandari, S.Kom.",
        "Bambang Setiawan",
    ]
    assert [st.keadaan for st in steps] == [
        "belum",
        "belum",
        "selesai",
        "berjalan",
        "belum",
        "belum",
    ]
    assert steps[2].selesai_pada is not None
    assert steps[2].selesai_pada.astimezone(UTC) == T0 + timedelta(minutes=10)
