"""Kota Magelang's step table: MAGESTY's one officer step, the owning OPD's pelayanan_opd (the
citizen's steps are updates of their own; see ``workflows.case.step_table``)."""

from __future__ import annotations

from sop.magelang import MAGELANG
from workflows.case.step_table import OfficerStep, StepTable
from workflows.magelang.models import PelayananOpd, PelayananOpdData

LANGKAH = StepTable(
    MAGELANG,
    (
        OfficerStep(
            "pelayanan_opd",
            PelayananOpdData,
            PelayananOpd,
            title="Layani {layanan} ({nomor})",
            by_unit=True,
            assignee="petugas OPD pemilik layanan",
            accepted="Hasil layanan diterima; warga akan diberi tahu lewat WhatsApp",
        ),
    ),
)
"""MAGESTY's officer steps."""
