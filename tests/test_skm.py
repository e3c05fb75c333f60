"""The SKM arithmetic of PermenPAN-RB 14/2017: nine elements scored 1-4, the index (IKM) as their
mean × 25, and the regulation's conversion table into quality bands A-D.

The band table (nilai persepsi / nilai interval / nilai interval konversi / mutu / kinerja) was
checked against a published SKM report that reproduces the regulation's table (BPPP Tegal's 2024
performance book): 1.00-2.5996 → 25.00-64.99 D Tidak Baik, 2.60-3.064 → 65.00-76.60 C Kurang Baik,
3.0644-3.532 → 76.61-88.30 B Baik, 3.5324-4.00 → 88.31-100.00 A Sangat Baik. The worked example
below follows the regulation's steps (NRR per unsur = sum of the element's scores / questionnaires
filled; IKM = the elements' weighted NRR, weight 1/9; converted × 25); its numbers are our own,
worked by hand in the comments.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from sop.skm import UNSUR, band, ikm_of_means, ikm_of_response, ikm_of_responses

RESPONDEN = [
    [4, 4, 3, 4, 3, 3, 4, 3, 4],
    [3, 4, 3, 4, 3, 3, 4, 3, 4],
    [3, 3, 3, 4, 3, 4, 4, 3, 3],
    [4, 3, 3, 4, 3, 4, 4, 3, 3],
]
# Per unsur sums: 14 14 12 16 12 14 16 12 14; NRR (÷4): 3.5 3.5 3.0 4.0 3.0 3.5 4.0 3.0 3.5.
# Sum of NRR 31.0; × 1/9 = 3.4444 (nilai indeks, in 3.0644-3.532 → B); × 25 = 86.111 → 86.11 B Baik.
# With the regulation's rounded weight 0.111: 31.0 × 0.111 = 3.441 × 25 = 86.03, also B.


def test_the_nine_elements_are_the_regulations() -> None:
    assert [nama for _, nama in UNSUR] == [
        "Persyaratan",
        "Sistem, mekanisme dan prosedur",
        "Waktu penyelesaian",
        "Biaya/tarif",
        "Produk spesifikasi jenis pelayanan",
        "Kompetensi pelaksana",
        "Perilaku pelaksana",
        "Penanganan pengaduan, saran dan masukan",
        "Sarana dan prasarana",
    ]


def test_worked_example_of_four_respondents() -> None:
    ikm = ikm_of_responses(RESPONDEN)
    assert ikm is not None
    assert (ikm.nilai, ikm.mutu, ikm.kinerja) == (Decimal("86.11"), "B", "Baik")


def test_no_respondent_has_no_index() -> None:
    assert ikm_of_responses([]) is None


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ([1] * 9, ("25.00", "D")),
        ([4] * 9, ("100.00", "A")),
        ([3] * 9, ("75.00", "C")),
        ([2] * 9, ("50.00", "D")),
        ([4, 3, 4, 4, 3, 4, 4, 3, 4], ("91.67", "A")),  # 33/9 = 3.6667 × 25
    ],
)
def test_one_respondents_index(scores: list[int], expected: tuple[str, str]) -> None:
    ikm = ikm_of_response(scores)
    assert (str(ikm.nilai), ikm.mutu) == expected


@pytest.mark.parametrize(
    ("value", "mutu", "kinerja"),
    [
        ("25.00", "D", "Tidak Baik"),
        ("64.99", "D", "Tidak Baik"),
        ("65.00", "C", "Kurang Baik"),
        ("76.60", "C", "Kurang Baik"),
        ("76.61", "B", "Baik"),
        ("88.30", "B", "Baik"),
        ("88.31", "A", "Sangat Baik"),
        ("100.00", "A", "Sangat Baik"),
        ("76.605", "B", "Baik"),  # rounded to 76.61 first, never between two bands
    ],
)
def test_band_boundaries_of_the_conversion_table(value: str, mutu: str, kinerja: str) -> None:
    b = band(Decimal(value))
    assert (b.mutu, b.kinerja) == (mutu, kinerja)


@pytest.mark.parametrize(
    ("nilai_persepsi", "mutu"),
    [
        ("2.5996", "D"),
        ("2.60", "C"),
        ("3.064", "C"),
        ("3.0644", "B"),
        ("3.532", "B"),
        ("3.5324", "A"),
    ],
)
def test_perception_interval_edges_convert_to_the_same_bands(
    nilai_persepsi: str, mutu: str
) -> None:
    ikm = ikm_of_means([Decimal(nilai_persepsi)] * 9)
    assert ikm.mutu == mutu


@pytest.mark.parametrize(
    ("scores", "message"),
    [
        ([4] * 8, "survei harus berisi 9 unsur, bukan 8"),
        ([4] * 10, "survei harus berisi 9 unsur, bukan 10"),
        (
            [4, 4, 4, 4, 5, 4, 4, 4, 4],
            "nilai u5 (Produk spesifikasi jenis pelayanan) harus 1 sampai 4",
        ),
        ([0, 4, 4, 4, 4, 4, 4, 4, 4], "nilai u1 (Persyaratan) harus 1 sampai 4"),
    ],
)
def test_malformed_answers_are_refused_with_a_clear_message(
    scores: list[int], message: str
) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        ikm_of_response(scores)
