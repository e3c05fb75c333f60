"""Masks for personal data in officer views and logs (UU 27/2022: show only what is needed)."""

from __future__ import annotations


def mask_phone(phone: str | None) -> str:
    """``+6281234567890`` → ``+62812****7890``: enough to recognise, not to call."""
    if not phone:
        return ""
    if len(phone) <= 8:
        return "*" * len(phone)
    return phone[:6] + "*" * (len(phone) - 10 if len(phone) > 10 else 4) + phone[-4:]


def mask_nik(nik: str | None) -> str:
    """``3574012345670001`` → ``3574********0001``: region and serial only."""
    if not nik:
        return ""
    return nik[:4] + "*" * (len(nik) - 8) + nik[-4:] if len(nik) > 8 else "*" * len(nik)


def mask_name(name: str | None) -> str:
    """``Budi Santoso`` → ``B*** S******``."""
    if not name:
        return ""
    return " ".join(w[0] + "*" * (len(w) - 1) for w in name.split())
