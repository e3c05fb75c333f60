"""Kota Magelang's MAGESTY models: the account workflow's input, updates and answers; a service
request's input, the OPD's action and the satisfaction survey; the daily statistics report.

The API validates requests with these same models before it signals or updates a workflow, so a
malformed action is a 422 at the door and never reaches history. No model carries personal data:
an account is its id, an activation code is its HMAC digest.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from sop.skm import check_scores
from workflows.case.models import OfficerAction
from workflows.case.text import TeksOpsional


def kode_digest(key: bytes, akun_id: int, kode: str) -> str:
    """The HMAC-SHA256 of an activation code, bound to its account: what the database and the
    workflow keep instead of the code (a bare hash of six digits is reversed in a second)."""
    msg = f"magesty:{akun_id}:{kode.strip()}".encode()
    return hmac.new(key, msg, hashlib.sha256).hexdigest()


def kode_key(secret: str) -> bytes:
    """The HMAC key for activation codes, derived from the deployment's JWT secret (shared by the
    API, which digests what the citizen typed, and the worker, which digests what it sent)."""
    return hashlib.sha256(b"magesty-aktivasi:" + secret.encode()).digest()


# --- account and activation ------------------------------------------------------------------
class AturanAktivasi(BaseModel):
    """The activation's limits. Part of the workflow input so a running account keeps the rules
    it started with; the API builds them from ``Settings.magelang`` (alur/settings_magelang.py),
    whose defaults are these (so recorded histories replay); tests shorten them."""

    kode_berlaku: timedelta = timedelta(minutes=5)
    """How long a code is valid after it is sent."""
    maks_percobaan: int = Field(default=5, ge=1)
    """Wrong codes allowed per code before it is locked (then only a resend helps)."""
    jeda_kirim_ulang: timedelta = timedelta(seconds=60)
    """Cooldown between two sends."""
    maks_kirim_ulang: int = Field(default=3, ge=0)
    """Resends allowed after the first code."""
    akun_kedaluwarsa: timedelta = timedelta(hours=24)
    """A never-activated account is closed and its personal data erased after this."""


class AkunMasuk(BaseModel):
    """The account workflow's input: the account id only."""

    akun_id: int
    aturan: AturanAktivasi = AturanAktivasi()


class KirimKodeInput(BaseModel):
    """Make a fresh code for the account, keep its digest, send it by WhatsApp."""

    akun_id: int
    workflow_id: str
    key: str
    berlaku: timedelta


class KodeTerkirim(BaseModel):
    """The digest of the code that went out."""

    digest: str


class AktivasiInput(BaseModel):
    """The citizen's code, as the API digested it."""

    kode_digest: str = Field(min_length=64, max_length=64)


HasilKode = Literal["benar", "salah", "kedaluwarsa", "terkunci"]


class HasilAktivasi(BaseModel):
    """What the activation update answers at once."""

    hasil: HasilKode
    sisa_percobaan: int
    pesan: str


class KirimUlangInput(BaseModel):
    """The citizen asks for a new code."""

    permintaan_id: str = Field(min_length=1, max_length=100)


class HasilKirimUlang(BaseModel):
    """Whether the new code went out, and how many resends remain."""

    terkirim: bool
    sisa_kirim_ulang: int
    pesan: str


StatusKode = Literal["mengirim", "terkirim", "gagal_sementara", "gagal_permanen"]


class StatusAkun(BaseModel):
    """Where an account's activation stands (query and first-send update)."""

    akun_id: int
    status: str
    kode: StatusKode
    pesan: str
    sisa_percobaan: int
    sisa_kirim_ulang: int
    kirim_ulang_setelah: datetime | None
    kode_kedaluwarsa: datetime | None


class HasilAkun(BaseModel):
    """How the account workflow ended: ``aktif``, ``kedaluwarsa`` or ``gagal_kirim``."""

    akun_id: int
    status: str
    detik_sampai_aktif: float | None = None
    tepat_waktu: bool | None = None
    """Whether registration to activation fitted the SOP's 30 seconds."""


class AkunRef(BaseModel):
    """An account and the moment something happened to it."""

    akun_id: int
    at: datetime


class TutupAkunInput(BaseModel):
    """Close a never-activated account: erase its personal data, keep the count."""

    akun_id: int
    status: Literal["kedaluwarsa", "gagal_kirim"]


# --- a service request ---------------------------------------------------------------------------
class PermohonanMasuk(BaseModel):
    """The request workflow's input: which account asked which OPD for which service (the form's
    content stays in the database)."""

    case_number: str
    akun_id: int
    layanan_kode: str
    layanan_nama: str
    opd_kode: str
    opd_nama: str | None = None
    """The OPD's name, its officers' ``unit``: a late request is escalated to that OPD's head
    only. ``None`` (requests filed before it was passed) escalates to every Kepala OPD."""


class PelayananOpdData(BaseModel):
    """Step 5, pelayanan_opd: the OPD's output (a text and/or a document reference) or a refusal
    with its reason."""

    keputusan: Literal["selesai", "ditolak"]
    hasil: TeksOpsional = Field(default=None, max_length=10000)
    dokumen_ref: TeksOpsional = Field(default=None, max_length=300)
    alasan: TeksOpsional = Field(default=None, max_length=4000)

    @model_validator(mode="after")
    def _output_or_reason(self) -> PelayananOpdData:
        if self.keputusan == "selesai" and not ((self.hasil or "").strip() or self.dokumen_ref):
            raise ValueError("hasil atau dokumen_ref wajib diisi bila layanan selesai")
        if self.keputusan == "ditolak" and not (self.alasan or "").strip():
            raise ValueError("alasan wajib diisi bila permohonan ditolak")
        return self


class PelayananOpd(PelayananOpdData, OfficerAction):
    """The pelayanan_opd signal; ``opd_kode`` is the OPD the API found the officer serves."""

    opd_kode: str

    def audit_detail(self) -> dict[str, object]:
        return {"keputusan": self.keputusan, "opd": self.opd_kode, "alasan": self.alasan}


class JawabanSurveiData(BaseModel):
    """Step 6, survei_kepuasan: the nine SKM elements (u1..u9 in PermenPAN-RB 14/2017's order),
    each 1 to 4, and an optional suggestion."""

    nilai: list[int] = Field(description="Sembilan nilai 1-4, urut unsur u1..u9")
    saran: TeksOpsional = Field(default=None, max_length=2000)

    @field_validator("nilai")
    @classmethod
    def _nine_scores(cls, value: list[int]) -> list[int]:
        check_scores(value)
        return value


class JawabanSurvei(JawabanSurveiData):
    """The survey update. The citizen's suggestion stays in the database (``magesty_saran``, by
    ``permintaan_id``): the update says only whether there is one (``saran`` is None; it is set
    only in histories recorded before this rule)."""

    permintaan_id: str = Field(min_length=1, max_length=100)
    ada_saran: bool = False


class HasilSurvei(BaseModel):
    """The respondent's index and band."""

    ikm: str
    mutu: str
    kinerja: str


class LayananSelesaiInput(BaseModel):
    """The OPD's decision, written to the request's row."""

    case_number: str
    keputusan: str
    hasil: str | None
    dokumen_ref: str | None
    alasan: str | None
    oleh: str
    at: datetime


class KabariWargaInput(BaseModel):
    """A WhatsApp message to the account's number (looked up by the activity)."""

    akun_id: int
    workflow_id: str
    case_number: str
    key: str
    purpose: str
    body: str


class CatatSurveiInput(BaseModel):
    """The survey's outcome: answered with nine scores, or closed unanswered."""

    case_number: str
    layanan_kode: str
    opd_kode: str
    status: Literal["terjawab", "tidak_dijawab"]
    nilai: list[int] | None
    ikm: str | None
    saran: str | None
    """Only in histories recorded before suggestions stayed out of the workflow."""
    saran_dari: str | None = None
    """The survey update's id whose suggestion waits in ``magesty_saran``."""
    dibuka_at: datetime
    ditutup_at: datetime


class HasilPermohonan(BaseModel):
    """How a request ended."""

    case_number: str
    keputusan: str
    sla_breached: bool
    survei: Literal["terjawab", "tidak_dijawab"]
    ikm: str | None = None


# --- statistics ----------------------------------------------------------------------------------
class LaporanStatistikInput(BaseModel):
    """The day to report on; ``None`` means the day before the run (a scheduled run at 00:05
    reports on the day that just ended)."""

    tanggal: date | None = None


class HasilLaporanStatistik(BaseModel):
    """What the stored report says, in brief."""

    tanggal: date
    total_pengguna: int
    aktif: int
    menunggu_aktivasi: int
    permohonan: int
