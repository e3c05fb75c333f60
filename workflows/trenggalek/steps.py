"""Kabupaten Trenggalek's step table: the six officer steps of SOP 07-6/SOP/1/2022, step 4 taken
level by level up the leadership's chain (see ``workflows.case.step_table``)."""

from __future__ import annotations

from sop.trenggalek import TRENGGALEK
from workflows.case.models import OpenTask
from workflows.case.step_table import OfficerStep, StepTable
from workflows.trenggalek.models import (
    RANTAI_TELAAH,
    Analisis,
    Keputusan,
    NaskahData,
    PengumpulanData,
    PenyiapanLayanan,
    PenyiapanLayananData,
    Perumusan,
    TelaahPimpinan,
    TelaahPimpinanData,
    TindakLanjut,
    TindakLanjutData,
)

NASKAH_TITLE = "{kegiatan}: {judul}{revisi}"
"""Title of a text-writing step: the step's own words and the proposal's title."""


def level_rule(action: TelaahPimpinan, task: OpenTask) -> str | None:
    """Step 4's rule for the level whose turn it is: only the Kepala Dinas approves; the Kepala
    Dinas, the top of the chain, has nobody to forward to."""
    top = task.role == RANTAI_TELAAH[-1]
    if action.keputusan == Keputusan.setuju and not top:
        return "Hanya Kepala Dinas yang dapat menyetujui; teruskan, revisi atau tolak"
    if action.keputusan == Keputusan.teruskan and top:
        return "Kepala Dinas memutuskan: setuju, revisi atau tolak"
    return None


LANGKAH = StepTable(
    TRENGGALEK,
    (
        OfficerStep(
            "pengumpulan_data",
            NaskahData,
            PengumpulanData,
            title=NASKAH_TITLE,
            assignee="Fungsional pengusul",
            accepted="Aksi {kode} diterima; usulan berlanjut",
        ),
        OfficerStep(
            "analisis",
            NaskahData,
            Analisis,
            title=NASKAH_TITLE,
            assignee="Fungsional pengusul",
            accepted="Aksi {kode} diterima; usulan berlanjut",
        ),
        OfficerStep(
            "perumusan",
            NaskahData,
            Perumusan,
            title=NASKAH_TITLE,
            accepted="Aksi {kode} diterima; usulan berlanjut",
        ),
        OfficerStep(
            "telaah_pimpinan",
            TelaahPimpinanData,
            TelaahPimpinan,
            title="Telaah pimpinan ({peran}): {judul}",
            roles=RANTAI_TELAAH,
            rule=level_rule,
            closes=True,
            accepted="Aksi {kode} diterima; usulan berlanjut",
        ),
        OfficerStep(
            "tindak_lanjut",
            TindakLanjutData,
            TindakLanjut,
            title="Tindak lanjuti persetujuan (swakelola/penyedia): {judul}",
            accepted="Aksi {kode} diterima; usulan berlanjut",
        ),
        OfficerStep(
            "penyiapan_layanan",
            PenyiapanLayananData,
            PenyiapanLayanan,
            title="Siapkan layanan dan publikasikan: {judul}",
            closes=True,
            accepted="Aksi {kode} diterima; usulan berlanjut",
        ),
    ),
)
"""Trenggalek's officer steps in the SOP's order."""
