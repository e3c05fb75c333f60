"""The catalogue of every SOP Alur runs, by code.

Workflows, the API and reports all read SOPs from here, so a time standard is written once.
"""

from sop.magelang import MAGELANG
from sop.malang import MALANG
from sop.models import Sop
from sop.probolinggo import PROBOLINGGO
from sop.trenggalek import TRENGGALEK

CATALOGUE: dict[str, Sop] = {s.kode: s for s in (MAGELANG, MALANG, TRENGGALEK, PROBOLINGGO)}


def get_sop(kode: str) -> Sop | None:
    """The SOP with this code, or ``None``."""
    return CATALOGUE.get(kode)
