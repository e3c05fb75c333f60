"""Who leads in an agency, for the pages that only leaders get (the whole agency's inbox, the
summary): every role another role answers to in the agency's SOPs (the Kabag and the Kasubag,
the Kasi, the Kepala Bidang, the Sekretaris, the Kepala Dinas, a Kepala OPD), and MAGESTY's Satker,
the same reading as the SLA report's (``api.routers.laporan.pemimpin``)."""

from __future__ import annotations

from api.routers.laporan import pemimpin, sop_instansi
from db.models import Officer


def leader_roles(agency: str) -> frozenset[str]:
    """The agency's leading roles: the leaders of each of its SOPs."""
    return frozenset().union(*(pemimpin(s) for s in sop_instansi(agency)))


def is_leader(officer: Officer) -> bool:
    """The officer holds a leading role in their agency."""
    return officer.role in leader_roles(officer.agency)
