"""The password policy of View Probolinggo accounts, as data a frontend can show and a check the API
applies before it hashes the password (argon2id, ``alur.security``).

It follows NIST SP 800-63B's advice rather than composition rules: length matters most, so at
least 8 characters (and at most 128, so hashing stays cheap), no password that is the phone
number, and one letter and one digit so a bare number or a bare word is refused.
"""

from __future__ import annotations

from pydantic import BaseModel

PANJANG_MINIMAL = 8
PANJANG_MAKSIMAL = 128


class KebijakanKataSandi(BaseModel):
    """What a password must be, with the rule texts a frontend shows next to the field."""

    panjang_minimal: int = PANJANG_MINIMAL
    panjang_maksimal: int = PANJANG_MAKSIMAL
    wajib_huruf: bool = True
    wajib_angka: bool = True
    tidak_boleh_memuat_nomor_hp: bool = True
    aturan: list[str] = [
        f"Minimal {PANJANG_MINIMAL} karakter, maksimal {PANJANG_MAKSIMAL}",
        "Memuat setidaknya satu huruf dan satu angka",
        "Tidak memuat nomor HP Anda",
    ]


KEBIJAKAN = KebijakanKataSandi()


def password_problems(password: str, phone_e164: str | None) -> list[str]:
    """The rules this password breaks (empty when it is acceptable)."""
    problems = []
    if not PANJANG_MINIMAL <= len(password) <= PANJANG_MAKSIMAL:
        problems.append(KEBIJAKAN.aturan[0])
    if not any(c.isalpha() for c in password) or not any(c.isdigit() for c in password):
        problems.append(KEBIJAKAN.aturan[1])
    if phone_e164:
        national = phone_e164.removeprefix("+62")
        digits = "".join(c for c in password if c.isdigit())
        if national[-8:] in digits:
            problems.append(KEBIJAKAN.aturan[2])
    return problems
