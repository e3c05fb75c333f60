"""Kota Malang's case models: the intake (laporan) and the action of each of the SOP's seven steps.

The API validates requests with these same models before it signals the workflow, so a malformed
action is a 422 at the door and never reaches history.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field, model_validator

from workflows.case.models import HasilKasus, KasusMasuk, Lanjutan, OfficerAction
from workflows.case.text import Teks, TeksOpsional


class JenisLaporan(StrEnum):
    """What the citizen sends: a complaint, a suggestion or an information request."""

    pengaduan = "pengaduan"
    saran = "saran"
    permintaan_informasi = "permintaan_informasi"


class Kanal(StrEnum):
    """Where it came in: the section's website, social media, or Sambat Online."""

    website = "website"
    media_sosial = "media_sosial"
    sambat_online = "sambat_online"


class KeputusanPenerimaan(StrEnum):
    """Pengelola TIK's decision at intake: forward it, or close it as a duplicate or spam."""

    teruskan = "teruskan"
    duplikat = "duplikat"
    spam = "spam"


class LanjutanMalang(Lanjutan):
    """State carried across continue-as-new in the revise loop (no personal data): the kernel's
    round, breach flag, seen ids and inbox, and who drafts and reviews."""

    kasubag: str
    pelaksana: str
    catatan_revisi: str | None


class LaporanMasuk(KasusMasuk[LanjutanMalang]):
    """The workflow's input: the case number and what came in. The citizen's contact stays in the
    database (case_contacts); the workflow only knows whether there is one."""

    jenis: JenisLaporan
    kanal: Kanal
    judul: str
    isi: str
    ada_kontak: bool


class HasilLaporan(HasilKasus):
    """How the case ended, with the response or the reason it was closed."""

    tanggapan: str | None = None
    alasan_penutupan: str | None = None


class PenerimaanData(BaseModel):
    """Step 1, penerimaan: Pengelola TIK records the item and forwards it, or closes it."""

    keputusan: KeputusanPenerimaan
    alasan: TeksOpsional = Field(default=None, max_length=2000)
    duplikat_dari: TeksOpsional = Field(default=None, max_length=40)

    @model_validator(mode="after")
    def _reason_for_closing(self) -> PenerimaanData:
        if self.keputusan != KeputusanPenerimaan.teruskan and not (self.alasan or "").strip():
            raise ValueError("alasan wajib diisi untuk menutup laporan duplikat atau spam")
        if self.keputusan == KeputusanPenerimaan.duplikat and not self.duplikat_dari:
            raise ValueError("duplikat_dari wajib diisi: nomor kasus yang sama")
        return self


class DisposisiData(BaseModel):
    """Step 2, disposisi: the Kabag forwards the item to a Kasubag with an instruction."""

    kasubag: str = Field(min_length=1, max_length=64)
    instruksi: Teks = Field(max_length=2000)


class PerintahData(BaseModel):
    """Step 3, perintah: the Kasubag orders a staff member (pelaksana) to prepare the response."""

    pelaksana: str = Field(min_length=1, max_length=64)
    instruksi: Teks = Field(max_length=2000)


class DrafTanggapanData(BaseModel):
    """Step 4, draf_tanggapan: the staff's draft response (and its supporting material)."""

    draf: Teks = Field(max_length=10000)
    materi_pendukung: TeksOpsional = Field(default=None, max_length=4000)


class PengajuanDrafData(BaseModel):
    """Step 5, pengajuan_draf: the staff submits the draft to the Kasubag for review."""

    catatan: TeksOpsional = Field(default=None, max_length=2000)


class TelaahData(BaseModel):
    """Step 6, telaah: the Kasubag approves the draft or sends it back with notes."""

    setuju: bool
    catatan: TeksOpsional = Field(default=None, max_length=4000)

    @model_validator(mode="after")
    def _notes_when_sent_back(self) -> TelaahData:
        if not self.setuju and not (self.catatan or "").strip():
            raise ValueError("catatan wajib diisi bila draf dikembalikan untuk revisi")
        return self


class PenyampaianData(BaseModel):
    """Step 7, penyampaian: Pengelola TIK delivers the approved response to the citizen."""

    catatan: TeksOpsional = Field(default=None, max_length=2000)


class Penerimaan(PenerimaanData, OfficerAction):
    """The penerimaan signal: the request's fields and who sent it."""


class Disposisi(DisposisiData, OfficerAction):
    """The disposisi signal."""


class Perintah(PerintahData, OfficerAction):
    """The perintah signal."""


class DrafTanggapan(DrafTanggapanData, OfficerAction):
    """The draf_tanggapan signal."""


class PengajuanDraf(PengajuanDrafData, OfficerAction):
    """The pengajuan_draf signal."""


class Telaah(TelaahData, OfficerAction):
    """The telaah signal; its audit line names the verdict."""

    def audit_detail(self) -> dict[str, object]:
        detail = super().audit_detail()
        detail["keputusan"] = "setuju" if self.setuju else "revisi"
        return detail


class Penyampaian(PenyampaianData, OfficerAction):
    """The penyampaian signal."""
