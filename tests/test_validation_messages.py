"""Every 422 a request body can get reads in Bahasa Indonesia, with the field's path and a stable
code; a body that is not even UTF-8 gets the same 422 as bad JSON, not a 400."""

from __future__ import annotations

import re
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from api.validation_messages import GENERAL, message_for
from tests.conftest import ApiClient
from tests.test_blank_text import _api_bodies

ENGLISH = re.compile(
    r"\b(should|required|Input|String|characters?|least|most|match|pattern|Value error|"
    r"valid (integer|number|string|date)|Field|Extra)\b"
)
"""Words of pydantic's English messages that must never reach a user."""

JUNK: list[Any] = [{}, {"x": 1}, 7, "teks", [], None]
"""Bodies every model refuses one way or another."""


def _wrong_values(model: type[BaseModel]) -> list[dict[str, Any]]:
    """One body per field, that field given each wrong kind of value."""
    bodies: list[dict[str, Any]] = []
    for name in model.model_fields:
        for wrong in ("", "x" * 20001, -1, 10**9, 3.5, True, [1], {"a": 1}, "2076-99-99"):
            bodies.append({name: wrong})
    return bodies


BODIES = sorted(set(_api_bodies()), key=lambda m: f"{m.__module__}.{m.__name__}")


@pytest.mark.parametrize("model", BODIES, ids=lambda m: m.__name__)
def test_every_validation_message_of_every_request_body_is_indonesian(
    model: type[BaseModel],
) -> None:
    seen = 0
    for data in [*JUNK, *_wrong_values(model)]:
        try:
            model.model_validate(data)
        except ValidationError as err:
            for problem in err.errors():
                seen += 1
                text = message_for(problem)
                assert text and not ENGLISH.search(text), (problem["type"], problem["msg"], text)
                assert text != GENERAL, f"no Indonesian message for {problem['type']}"
    assert seen, f"{model.__name__} refused nothing"


def test_an_unknown_pydantic_error_type_still_gets_an_indonesian_message() -> None:
    new = {"type": "something_new", "msg": "Something new is wrong", "url": "https://errors"}
    assert message_for(new) == GENERAL


def test_a_validator_of_our_own_keeps_its_indonesian_words() -> None:
    error = {"type": "value_error", "msg": "Value error, alasan wajib diisi"}
    assert message_for(error) == "alasan wajib diisi"


async def test_a_wrong_nik_is_refused_in_indonesian_with_its_field(api: ApiClient) -> None:
    r = await api.http.post("/probolinggo/registrasi/PRB-NOPE/nik", json={"nik": "35741505"})
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "invalid_request"
    assert error["message"] == "Data tidak valid: nik: formatnya tidak sesuai"
    assert error["detail"][0] == {
        "lokasi": "nik",
        "pesan": "formatnya tidak sesuai",
        "kode": "string_pattern_mismatch",
    }


async def test_a_missing_field_and_a_short_title_say_so_in_indonesian(api: ApiClient) -> None:
    r = await api.http.post(
        "/malang/laporan", json={"jenis": "pengaduan", "kanal": "website", "judul": "ab"}
    )
    assert r.status_code == 422
    problems = {p["lokasi"]: p for p in r.json()["error"]["detail"]}
    assert problems["judul"]["pesan"] == "paling sedikit 3 karakter"
    assert problems["isi"]["pesan"] == "wajib diisi"
    assert problems["isi"]["kode"] == "missing"
    r = await api.http.post("/malang/laporan", json={"jenis": "keluhan", "kanal": "website"})
    jenis = next(p for p in r.json()["error"]["detail"] if p["lokasi"] == "jenis")
    assert jenis["pesan"].startswith("harus salah satu dari: ")


@pytest.mark.parametrize(
    "body",
    [b"\xff\xfe{\x00}", b'{"judul": "\xc3\x28"}', b"{bukan json"],
    ids=["utf16", "broken-utf8", "bad-json"],
)
async def test_a_body_that_is_not_utf8_json_gets_the_same_422_as_bad_json(
    api: ApiClient, body: bytes
) -> None:
    r = await api.http.post(
        "/malang/laporan", content=body, headers={"content-type": "application/json"}
    )
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "invalid_request"
    assert error["message"].startswith("Data tidak valid")
    assert not ENGLISH.search(error["message"])
    assert error["detail"][0]["kode"] == "json_invalid"
