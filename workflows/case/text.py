"""Free text a person types (a title, a draft, a note, a name): never blank.

``min_length=1`` lets ``"   "`` through, so a proposal version, a report title or a refusal's
reason could be nothing but spaces. These types refuse that with the Indonesian message
``tidak boleh kosong`` (the API's 422 then reads ``Data tidak valid: teks: tidak boleh kosong``).

Two choices, and why:

- **The text is kept as typed**, only refused when ``value.strip()`` is empty. These models travel
  through Temporal and are validated again when a recorded history replays: trimming would hand a
  replaying workflow another value than the one it first saw, and a draft's or a version's
  indentation and line breaks are the author's. Every non-blank value accepted before is accepted
  now, unchanged.
- **An optional field left blank means "left out"** (``TeksOpsional``): a note, a supporting
  material or a suggestion sent as ``""`` or ``"   "`` is no note, so it becomes ``None`` instead of
  a 422; a frontend that sends its empty textarea as ``""`` keeps working. Where the step needs the
  text (a reason to close or refuse, notes to send back), the model's own check then says it is
  required, in Indonesian. A required field (``Teks``) is always a 422 when blank.

Lengths stay on the field (``Field(max_length=...)``), measured on the text as typed, as before.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

PESAN_KOSONG = "tidak boleh kosong"
"""What a person reads when a text they must fill in is empty or only spaces."""


def _refuse_blank(value: object) -> object:
    """Refuse an empty or whitespace-only string; anything else goes on to the ``str`` check."""
    if isinstance(value, str) and not value.strip():
        raise PydanticCustomError("teks_kosong", PESAN_KOSONG)
    return value


def _blank_as_none(value: object) -> object:
    """An empty or whitespace-only string is the field left out."""
    if isinstance(value, str) and not value.strip():
        return None
    return value


TIDAK_KOSONG = BeforeValidator(_refuse_blank)
"""The check alone, for a text inside another type: put it after the length, so the length is
checked on the string (``list[Annotated[str, Field(max_length=200), TIDAK_KOSONG]]``);
``Annotated[Teks, Field(...)]`` would check the length after the validator, with a message about
"items"."""

Teks = Annotated[str, TIDAK_KOSONG]
"""Required free text: refused (422) when empty or only whitespace; kept as typed otherwise.

Runs before the ``str`` constraints, so ``""`` gets the same Indonesian message as ``"   "``
rather than pydantic's ``min_length`` one."""

TeksOpsional = Annotated[str | None, BeforeValidator(_blank_as_none)]
"""Optional free text: ``None`` when left out, empty or only whitespace; kept as typed otherwise."""
