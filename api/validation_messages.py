"""Request validation errors in Bahasa Indonesia, one message per pydantic error type.

pydantic writes its messages in English ("String should match pattern '^\\d{16}$'"); a frontend
shows the message to a citizen or an officer as it comes, so every 422 says what is wrong in
Indonesian and keeps the field's path (``lokasi``) and pydantic's error type as a stable code
(``kode``) for programs. A message Alur's own validators raise is Indonesian already and is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Context = Mapping[str, Any]

_MESSAGES: dict[str, Callable[[Context], str]] = {
    "missing": lambda c: "wajib diisi",
    "string_too_short": lambda c: f"paling sedikit {c.get('min_length')} karakter",
    "string_too_long": lambda c: f"paling banyak {c.get('max_length')} karakter",
    "string_pattern_mismatch": lambda c: "formatnya tidak sesuai",
    "string_type": lambda c: "harus berupa teks",
    "string_unicode": lambda c: "harus berupa teks UTF-8",
    "too_short": lambda c: f"paling sedikit {c.get('min_length')} butir",
    "too_long": lambda c: f"paling banyak {c.get('max_length')} butir",
    "int_type": lambda c: "harus berupa bilangan bulat",
    "int_parsing": lambda c: "harus berupa bilangan bulat",
    "int_from_float": lambda c: "harus berupa bilangan bulat",
    "float_type": lambda c: "harus berupa bilangan",
    "float_parsing": lambda c: "harus berupa bilangan",
    "bool_type": lambda c: "harus true atau false",
    "bool_parsing": lambda c: "harus true atau false",
    "greater_than": lambda c: f"harus lebih besar dari {c.get('gt')}",
    "greater_than_equal": lambda c: f"paling kecil {c.get('ge')}",
    "less_than": lambda c: f"harus lebih kecil dari {c.get('lt')}",
    "less_than_equal": lambda c: f"paling besar {c.get('le')}",
    "literal_error": lambda c: f"harus salah satu dari: {c.get('expected')}",
    "enum": lambda c: f"harus salah satu dari: {c.get('expected')}",
    "date_type": lambda c: "harus berupa tanggal (TTTT-BB-HH)",
    "date_parsing": lambda c: "harus berupa tanggal (TTTT-BB-HH)",
    "date_from_datetime_parsing": lambda c: "harus berupa tanggal (TTTT-BB-HH)",
    "date_from_datetime_inexact": lambda c: "harus berupa tanggal tanpa jam",
    "datetime_type": lambda c: "harus berupa tanggal dan jam (ISO 8601)",
    "datetime_parsing": lambda c: "harus berupa tanggal dan jam (ISO 8601)",
    "datetime_from_date_parsing": lambda c: "harus berupa tanggal dan jam (ISO 8601)",
    "dict_type": lambda c: "harus berupa objek JSON",
    "model_type": lambda c: "harus berupa objek JSON",
    "model_attributes_type": lambda c: "harus berupa objek JSON",
    "list_type": lambda c: "harus berupa daftar",
    "tuple_type": lambda c: "harus berupa daftar",
    "set_type": lambda c: "harus berupa daftar",
    "extra_forbidden": lambda c: "tidak dikenal",
    "json_invalid": lambda c: "isi permintaan bukan JSON yang sah",
    "json_type": lambda c: "isi permintaan bukan JSON yang sah",
    "url_parsing": lambda c: "harus berupa alamat web (URL) yang sah",
    "url_scheme": lambda c: "alamat web harus diawali http:// atau https://",
    "uuid_parsing": lambda c: "harus berupa UUID",
    "none_required": lambda c: "harus dikosongkan",
    "timedelta_parsing": lambda c: "harus berupa lama waktu (ISO 8601, mis. PT15M)",
}

OWN_MESSAGE_TYPES = frozenset({"value_error", "assertion_error"})
"""Errors raised by Alur's own validators: their message is Indonesian already."""

GENERAL = "tidak valid"
"""The message of an error type not listed above (a pydantic release may add types)."""


def message_for(error: Mapping[str, Any]) -> str:
    """The Indonesian message of one pydantic error (an item of ``ValidationError.errors()``)."""
    kind = str(error.get("type", ""))
    if kind in OWN_MESSAGE_TYPES:
        return (
            str(error.get("msg", ""))
            .removeprefix("Value error, ")
            .removeprefix("Assertion failed, ")
        )
    make = _MESSAGES.get(kind)
    if make is not None:
        return make(error.get("ctx") or {})
    if "url" not in error:  # a custom error of Alur's own (pydantic documents only its own types)
        return str(error.get("msg") or GENERAL)
    return GENERAL


def location_of(error: Mapping[str, Any]) -> str:
    """The field's path as a frontend names it (``kontak.telepon``), without the ``body`` root."""
    return ".".join(str(p) for p in error.get("loc", ()) if p != "body")
