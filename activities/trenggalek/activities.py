"""Kabupaten Trenggalek's activities: keeping every version of a proposal's text, and publishing
the public page of an approved application (step 6's output).

Both are database writes run as local activities from the workflow (like the case records), each
idempotent by a key the workflow makes: a retried write finds its row and writes nothing twice.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity

from activities.wiring import ActivityDeps, ActivitySet
from alur.case_ref import CaseRef
from db.session import transaction
from db.trenggalek.models import TrenggalekAplikasiPublik, TrenggalekVersiNaskah


class SimpanVersiInput(BaseModel):
    """One version of the proposal's text, as a step of a round wrote it."""

    case: CaseRef
    round: int
    step: str
    author: str
    author_role: str
    teks: str
    catatan: str | None
    at: datetime


class TerbitkanInput(BaseModel):
    """The public page of an approved application: no personal data."""

    case: CaseRef
    nama_aplikasi: str
    ringkasan: str
    tautan: str | None
    media_komunikasi: str | None
    cara_penyediaan: str
    disetujui_pada: datetime
    at: datetime


class TrenggalekActivities:
    """Proposal versions and the public page, bound to a session factory by worker.py."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._sessions = session_factory

    @activity.defn(name="trenggalek_simpan_versi")
    def simpan_versi(self, inp: SimpanVersiInput) -> None:
        """Keep this version of the text (once per workflow, step and round)."""
        key = f"{inp.case.workflow_id}/{inp.step}/{inp.round}"
        with transaction(self._sessions) as s:
            found = s.scalar(
                select(TrenggalekVersiNaskah.id).where(TrenggalekVersiNaskah.version_key == key)
            )
            if found is not None:
                return
            s.add(
                TrenggalekVersiNaskah(
                    version_key=key,
                    case_number=inp.case.case_number,
                    round=inp.round,
                    step=inp.step,
                    author=inp.author,
                    author_role=inp.author_role,
                    teks=inp.teks,
                    catatan=inp.catatan,
                    created_at=inp.at,
                )
            )

    @activity.defn(name="trenggalek_terbitkan_halaman")
    def terbitkan_halaman(self, inp: TerbitkanInput) -> None:
        """Publish the approved application's public page (once per case)."""
        number = inp.case.case_number
        with transaction(self._sessions) as s:
            found = s.scalar(
                select(TrenggalekAplikasiPublik.id).where(
                    TrenggalekAplikasiPublik.case_number == number
                )
            )
            if found is not None:
                return
            s.add(
                TrenggalekAplikasiPublik(
                    case_number=number,
                    diterbitkan_pada=inp.at,
                    **inp.model_dump(exclude={"case", "at"}),
                )
            )


def build_activities(deps: ActivityDeps) -> ActivitySet:
    """The Trenggalek SOP's activities for the worker (database work only: the escalations go
    through the shared notification activities)."""
    acts = TrenggalekActivities(deps.session_factory)
    return ActivitySet(main=[acts.simpan_versi, acts.terbitkan_halaman])
