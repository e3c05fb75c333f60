"""Kota Malang's step table: the seven officer steps of SOP 15, as the workflow, the API, the task
list and the forms see them (see ``workflows.case.step_table``)."""

from __future__ import annotations

from sop.malang import MALANG
from workflows.case.step_table import NamedOfficer, OfficerStep, StepTable
from workflows.malang.models import (
    Disposisi,
    DisposisiData,
    DrafTanggapan,
    DrafTanggapanData,
    Penerimaan,
    PenerimaanData,
    PengajuanDraf,
    PengajuanDrafData,
    Penyampaian,
    PenyampaianData,
    Perintah,
    PerintahData,
    Telaah,
    TelaahData,
)

LANGKAH = StepTable(
    MALANG,
    (
        OfficerStep(
            "penerimaan",
            PenerimaanData,
            Penerimaan,
            title="Terima {jenis} {nomor}",
            closes=True,
        ),
        OfficerStep(
            "disposisi",
            DisposisiData,
            Disposisi,
            title="Disposisi {jenis} {nomor}",
            names=(NamedOfficer("kasubag", "kasubag"),),
        ),
        OfficerStep(
            "perintah",
            PerintahData,
            Perintah,
            title="Perintahkan pelaksana: {instruksi}",
            assignee="Kasubag yang ditunjuk dalam disposisi",
            names=(NamedOfficer("pelaksana", "pelaksana"),),
        ),
        OfficerStep(
            "draf_tanggapan",
            DrafTanggapanData,
            DrafTanggapan,
            title="Susun draf tanggapan{revisi}",
            assignee="pelaksana yang ditunjuk dalam perintah",
        ),
        OfficerStep(
            "pengajuan_draf",
            PengajuanDrafData,
            PengajuanDraf,
            title="Ajukan draf ke Kasubag",
            assignee="pelaksana yang ditunjuk dalam perintah",
        ),
        OfficerStep(
            "telaah",
            TelaahData,
            Telaah,
            title="Telaah draf",
            assignee="Kasubag yang ditunjuk dalam disposisi",
        ),
        OfficerStep(
            "penyampaian",
            PenyampaianData,
            Penyampaian,
            title="Sampaikan tanggapan {nomor}",
            closes=True,
        ),
    ),
)
"""Malang's officer steps in the SOP's order."""
