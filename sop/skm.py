"""The national public-satisfaction survey (Survei Kepuasan Masyarakat, SKM) of PermenPAN-RB
14/2017: its nine elements (unsur), each scored 1 to 4, and the satisfaction index (IKM).

The regulation weights the nine elements equally: the index is the mean of the elements' scores
(nilai persepsi, 1.00-4.00) converted to 25-100 by × 25 (nilai interval konversi), then banded into
the regulation's quality grades (mutu pelayanan A-D). The regulation's own worksheet rounds the
weight 1/9 to 0.111; Alur uses the exact mean, and rounds the index to two decimals before banding
so a value never falls between two bands (76.605 → 76.61 → B).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

UNSUR: tuple[tuple[str, str], ...] = (
    ("u1", "Persyaratan"),
    ("u2", "Sistem, mekanisme dan prosedur"),
    ("u3", "Waktu penyelesaian"),
    ("u4", "Biaya/tarif"),
    ("u5", "Produk spesifikasi jenis pelayanan"),
    ("u6", "Kompetensi pelaksana"),
    ("u7", "Perilaku pelaksana"),
    ("u8", "Penanganan pengaduan, saran dan masukan"),
    ("u9", "Sarana dan prasarana"),
)
"""The nine elements in the regulation's order: (code, name)."""

SKOR_MIN, SKOR_MAX = 1, 4
"""Each element is answered on the regulation's four-point scale (tidak / kurang / cukup /
sangat sesuai, or the element's own wording)."""

NILAI_DASAR = 25
"""The conversion factor from the 1-4 scale to the 25-100 index."""


class Mutu(NamedTuple):
    """A quality band of the regulation's conversion table."""

    mutu: str
    """Mutu pelayanan: A, B, C or D."""
    kinerja: str
    """Kinerja unit pelayanan in the regulation's words."""
    batas_bawah: Decimal
    batas_atas: Decimal


BANDS: tuple[Mutu, ...] = (
    Mutu("D", "Tidak Baik", Decimal("25.00"), Decimal("64.99")),
    Mutu("C", "Kurang Baik", Decimal("65.00"), Decimal("76.60")),
    Mutu("B", "Baik", Decimal("76.61"), Decimal("88.30")),
    Mutu("A", "Sangat Baik", Decimal("88.31"), Decimal("100.00")),
)
"""Nilai interval konversi IKM → mutu pelayanan, the regulation's table (Lampiran, Bab III)."""


class Ikm(NamedTuple):
    """An index with its band."""

    nilai: Decimal
    """The IKM, 25.00-100.00, two decimals."""
    mutu: str
    kinerja: str


def _two(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def check_scores(scores: Sequence[int]) -> None:
    """Raise ``ValueError`` (with a message a frontend can show) unless there are nine scores
    of 1 to 4."""
    if len(scores) != len(UNSUR):
        raise ValueError(f"survei harus berisi {len(UNSUR)} unsur, bukan {len(scores)}")
    for (kode, nama), skor in zip(UNSUR, scores, strict=True):
        if not SKOR_MIN <= skor <= SKOR_MAX:
            raise ValueError(f"nilai {kode} ({nama}) harus {SKOR_MIN} sampai {SKOR_MAX}")


def band(ikm: Decimal) -> Mutu:
    """The band of an index (rounded to two decimals first)."""
    value = _two(ikm)
    for b in BANDS:
        if b.batas_bawah <= value <= b.batas_atas:
            return b
    raise ValueError(f"IKM {value} di luar 25-100")


def ikm_of_means(means: Sequence[Decimal]) -> Ikm:
    """The index from each element's mean score (nilai rata-rata per unsur, NRR)."""
    if len(means) != len(UNSUR):
        raise ValueError(f"perlu {len(UNSUR)} nilai rata-rata unsur")
    value = _two(sum(means, Decimal(0)) / len(means) * NILAI_DASAR)
    b = band(value)
    return Ikm(value, b.mutu, b.kinerja)


def ikm_of_response(scores: Sequence[int]) -> Ikm:
    """The index of one respondent's nine answers."""
    check_scores(scores)
    return ikm_of_means([Decimal(s) for s in scores])


def ikm_of_responses(responses: Sequence[Sequence[int]]) -> Ikm | None:
    """The index of a set of respondents (a service's or an OPD's): each element's mean over the
    respondents, then the mean of the elements × 25; ``None`` when nobody answered."""
    if not responses:
        return None
    for r in responses:
        check_scores(r)
    n = Decimal(len(responses))
    means = [sum((Decimal(r[i]) for r in responses), Decimal(0)) / n for i in range(len(UNSUR))]
    return ikm_of_means(means)
