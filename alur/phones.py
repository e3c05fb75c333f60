"""Indonesian mobile numbers: parsed and checked with phonenumbers, kept in E.164."""

from __future__ import annotations

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

_MOBILE = (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)


def normalize_mobile(raw: str) -> str:
    """``0812-3456-7890`` (and other common ways of writing it) → ``+6281234567890``.

    Raises ``ValueError`` with a message a frontend can show when it is not a valid Indonesian
    mobile number (formatting an invalid number would still give a string, so validity is checked).
    """
    try:
        number = phonenumbers.parse(raw, "ID")
    except NumberParseException as err:
        raise ValueError("nomor telepon tidak dapat dibaca") from err
    if number.country_code != 62 or not phonenumbers.is_valid_number(number):
        raise ValueError("nomor telepon bukan nomor Indonesia yang valid")
    if phonenumbers.number_type(number) not in _MOBILE:
        raise ValueError("nomor telepon harus nomor seluler (HP)")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
