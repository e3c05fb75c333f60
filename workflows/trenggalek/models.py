"""Kabupaten Trenggalek's case models: the proposal (usulan) to use a service application and the
action of each step of SOP 07-6/SOP/1/2022.

The API validates requests with these same models before it signals the workflow, so a malformed
action is a 422 at the door and never reaches history. The proposal's text is no personal data: it
travels in the actions; the officers' names stay in the database (only usernames travel).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, model_validator

from workflows.case.models import HasilKasus, KasusMasuk, Lanjutan, OfficerAction
from workflows.case.text import TIDAK_KOSONG, Teks, TeksOpsional

RANTAI_TELAAH: tuple[str, ...] = ("kasi", "kepala_bidang", "sekretaris", "kepala_dinas")
"""The leadership's review chain of step 4, lowest level first: each level is its own task."""

LANGKAH_NASKAH: tuple[str, ...] = ("pengumpulan_data", "analisis", "perumusan")
"""The steps that write the proposal's text (and where a reviewer may send it back)."""


class Keputusan(StrEnum):
    """A review level's decision on the proposal (telaah_pimpinan)."""

    teruskan = "teruskan"
    """Forward it up the chain with a note (every level below the Kepala Dinas)."""
    setuju = "setuju"
    """YES: approved for providing the application (the Kepala Dinas only)."""
    revisi = "revisi"
    """NO for now: back to the step that must change, with notes."""
    tolak = "tolak"
    """NO for good, with a reason: the case closes."""


class CaraPenyediaan(StrEnum):
    """How the approved application is provided (tindak_lanjut)."""

    swakelola = "swakelola"
    """Self-managed, by the agency's own team."""
    penyedia = "penyedia"
    """Through a vendor, under a procurement reference."""


class LanjutanTrenggalek(Lanjutan):
    """State carried across continue-as-new in the revise loop (no personal data): the kernel's
    round, breach flag, seen ids and inbox, and where the next round starts."""

    mulai_dari: str
    catatan_revisi: str | None


class UsulanMasuk(KasusMasuk[LanjutanTrenggalek]):
    """The workflow's input: the case number, the agenda number, the proposal's title and who
    proposed it (an officer's username, not personal data of a citizen). Ten revise rounds per
    run: each climbs a four-level chain, so a round's history is longer than Malang's."""

    nomor_agenda: str
    judul: str
    pengusul: str
    max_rounds_per_run: int = Field(default=10, ge=1)


class HasilUsulan(HasilKasus):
    """How the case ended, with how it is provided or why it was rejected."""

    cara_penyediaan: CaraPenyediaan | None = None
    alasan_penolakan: str | None = None


class NaskahData(BaseModel):
    """Steps 1 to 3: the proposal's text as this step writes it (a new version each time)."""

    teks: Teks = Field(max_length=20000)
    catatan: TeksOpsional = Field(default=None, max_length=2000)


class TelaahPimpinanData(BaseModel):
    """Step 4, telaah_pimpinan: one level's decision, with the note on its disposition sheet."""

    keputusan: Keputusan
    catatan: TeksOpsional = Field(default=None, max_length=4000)
    kembali_ke: str | None = Field(
        default=None, description="For revisi: pengumpulan_data, analisis or perumusan"
    )

    @model_validator(mode="after")
    def _notes_and_target(self) -> TelaahPimpinanData:
        if self.keputusan != Keputusan.setuju and not (self.catatan or "").strip():
            raise ValueError(f"catatan wajib diisi untuk keputusan {self.keputusan.value}")
        if self.keputusan == Keputusan.revisi:
            if self.kembali_ke not in LANGKAH_NASKAH:
                raise ValueError(f"kembali_ke wajib salah satu dari {', '.join(LANGKAH_NASKAH)}")
        elif self.kembali_ke is not None:
            raise ValueError("kembali_ke hanya untuk keputusan revisi")
        return self


class TindakLanjutData(BaseModel):
    """Step 5, tindak_lanjut: the Kepala Bidang chooses how the application is provided."""

    cara: CaraPenyediaan
    tim: list[Annotated[str, Field(max_length=200), TIDAK_KOSONG]] = Field(
        default_factory=list, max_length=50
    )
    """Swakelola: the team (usernames or unit names) that builds and runs it."""
    referensi_pengadaan: TeksOpsional = Field(default=None, max_length=200)
    """Penyedia: the procurement reference (contract or package number)."""
    tindak_lanjut_teknis: Teks = Field(max_length=4000)
    tindak_lanjut_administrasi: Teks = Field(max_length=4000)

    @model_validator(mode="after")
    def _mode_needs(self) -> TindakLanjutData:
        if self.cara == CaraPenyediaan.swakelola:
            if not any(t.strip() for t in self.tim):
                raise ValueError("tim wajib diisi untuk swakelola")
            if self.referensi_pengadaan:
                raise ValueError("referensi_pengadaan hanya untuk penyedia")
        else:
            if not (self.referensi_pengadaan or "").strip():
                raise ValueError("referensi_pengadaan wajib diisi untuk penyedia")
            if self.tim:
                raise ValueError("tim hanya untuk swakelola")
        return self


class PenyiapanLayananData(BaseModel):
    """Step 6, penyiapan_layanan: the service is ready and its public information published."""

    nama_aplikasi: Teks = Field(max_length=200)
    ringkasan_publik: Teks = Field(max_length=4000)
    """What the public page says the application does (no personal data)."""
    tautan: str | None = Field(default=None, max_length=500, pattern=r"^https?://\S+$")
    media_komunikasi: TeksOpsional = Field(default=None, max_length=500)


class NaskahAction(NaskahData, OfficerAction):
    """Base of the three signals that write the proposal's text."""


class PengumpulanData(NaskahAction):
    """The pengumpulan_data signal (step 1)."""


class Analisis(NaskahAction):
    """The analisis signal (step 2)."""


class Perumusan(NaskahAction):
    """The perumusan signal (step 3)."""


class TelaahPimpinan(TelaahPimpinanData, OfficerAction):
    """The telaah_pimpinan signal; its audit line names the decision."""


class TindakLanjut(TindakLanjutData, OfficerAction):
    """The tindak_lanjut signal; its audit line names the provision mode as the outcome."""

    def audit_detail(self) -> dict[str, object]:
        detail = super().audit_detail()
        detail["keputusan"] = self.cara.value
        return detail


class PenyiapanLayanan(PenyiapanLayananData, OfficerAction):
    """The penyiapan_layanan signal."""


NASKAH_ACTIONS: dict[str, type[NaskahAction]] = {
    "pengumpulan_data": PengumpulanData,
    "analisis": Analisis,
    "perumusan": Perumusan,
}
"""The action model of each text-writing step."""
