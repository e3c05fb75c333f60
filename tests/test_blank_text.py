"""No blank text: every free-text field a person types, in every SOP, refuses an empty or
whitespace-only value (or, when the field is optional, takes it as left out), with the Indonesian
message ``tidak boleh kosong``.

The fields are found, not listed: every request body of every API route (walked from the routers),
every officer step's body and signal (the step tables) and every typed signal and update argument
of every workflow the worker runs; in each model, its ``str``, ``str | None`` and ``list[str]``
fields, nested models included. A new text field is covered the moment it exists; the only list
kept by hand is ``NOT_FREE_TEXT`` (codes, numbers, secrets, each with the reason it is not free
text). Workflow inputs are not walked: the API builds them from a body validated here. Then,
through the real API and a real worker, the 422 a person sees, and that nothing was written.
"""

from __future__ import annotations

import asyncio
import copy
import importlib
import pkgutil
import re
import types
from collections.abc import Iterator
from typing import Annotated, Any, Union, get_args, get_origin

import pytest
from fastapi import APIRouter
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from temporalio import workflow

import api as api_package
import workflows as workflows_package
from api.magelang.akun import AktivasiBody, AkunCreate
from api.magelang.akun import LoginBody as MagestyLogin
from api.magelang.layanan import PermohonanCreate
from api.malang.intake import KontakWarga, LaporanCreate
from api.probolinggo.akun import LoginBody as ProbolinggoLogin
from api.probolinggo.router import IdentitasBody, KataSandiBody, NikBody, OtpBody, RegistrasiCreate
from api.trenggalek.usulan import UsulanCreate
from db.magelang.models import MagestyAkun
from db.models import Case
from tests import trenggalek_helpers as t
from tests.conftest import ApiClient
from tests.probolinggo_helpers import PASSWORD, RESIDENT, draft_row, seed_register
from worker import WORKFLOWS
from workflows.case.models import OfficerAction
from workflows.case.step_table import StepTable
from workflows.case.text import PESAN_KOSONG
from workflows.magelang.models import (
    AktivasiInput,
    JawabanSurvei,
    JawabanSurveiData,
    KirimUlangInput,
    PelayananOpd,
    PelayananOpdData,
)
from workflows.malang.models import (
    DisposisiData,
    DrafTanggapanData,
    PenerimaanData,
    PengajuanDrafData,
    PenyampaianData,
    PerintahData,
    TelaahData,
)
from workflows.probolinggo.models import Isian, KodeOtp
from workflows.trenggalek.models import (
    NaskahData,
    PenyiapanLayananData,
    TelaahPimpinanData,
    TindakLanjutData,
)

BLANKS = ("", "   \n  ")

NOT_FREE_TEXT: dict[tuple[type[BaseModel], str], str] = {
    (OfficerAction, "action_id"): "an id the API makes, never typed",
    (OfficerAction, "actor"): "the officer as the token proved it, never typed",
    (PelayananOpd, "opd_kode"): "the OPD the API found the officer serves",
    (JawabanSurvei, "permintaan_id"): "an id the API makes, never typed",
    (Isian, "permintaan_id"): "an id the API makes, never typed",
    (KodeOtp, "bukti"): "the API's 64-character HMAC of the code",
    (AktivasiInput, "kode_digest"): "the API's 64-character HMAC of the code",
    (KirimUlangInput, "permintaan_id"): "an id the API makes, never typed",
    (DisposisiData, "kasubag"): "a username, looked up: an unknown one (spaces too) is a 422",
    (PerintahData, "pelaksana"): "a username, looked up: an unknown one (spaces too) is a 422",
    (TelaahPimpinanData, "kembali_ke"): "one of the text-writing steps, checked by the model",
    (PenyiapanLayananData, "tautan"): "a URL, pattern ^https?://\\S+$",
    (KontakWarga, "telepon"): "a mobile number, normalised or refused",
    (KontakWarga, "email"): "an address, pattern without spaces",
    (AkunCreate, "whatsapp"): "a mobile number, normalised or refused",
    (AkunCreate, "email"): "an address, pattern without spaces",
    (AkunCreate, "password"): "a secret: any character counts, its policy is its own",
    (AktivasiBody, "kode"): "six digits, pattern",
    (MagestyLogin, "akun"): "an email or number, looked up: anything unknown is a 401",
    (MagestyLogin, "password"): "a secret: any character counts",
    (PermohonanCreate, "layanan_kode"): "a catalogue code, looked up",
    (ProbolinggoLogin, "telepon"): "a mobile number, normalised or refused",
    (ProbolinggoLogin, "kata_sandi"): "a secret: the password policy checks it",
    (RegistrasiCreate, "telepon"): "a mobile number, normalised or refused",
    (KataSandiBody, "kata_sandi"): "a secret: the password policy checks it",
    (OtpBody, "kode"): "six digits, pattern",
    (NikBody, "nik"): "sixteen digits, pattern",
}
"""``str`` fields that are no free text, by the model that declares them, and why."""


SAMPLES: dict[type[BaseModel], list[dict[str, Any]]] = {
    PenerimaanData: [
        {"keputusan": "teruskan", "alasan": "Perlu tindak lanjut"},
        {"keputusan": "duplikat", "alasan": "Sama", "duplikat_dari": "MLG-261120-AB12CD34"},
    ],
    DisposisiData: [{"kasubag": "malang.kasubag", "instruksi": "Koordinasikan dengan DPUPR"}],
    PerintahData: [{"pelaksana": "malang.pelaksana", "instruksi": "Siapkan jawaban"}],
    DrafTanggapanData: [{"draf": "Lampu diperbaiki Rabu.\n", "materi_pendukung": "Foto lokasi"}],
    PengajuanDrafData: [{"catatan": "Mohon ditelaah"}],
    TelaahData: [{"setuju": True, "catatan": "Baik"}, {"setuju": False, "catatan": "Tanggal?"}],
    PenyampaianData: [{"catatan": "Terkirim lewat WhatsApp"}],
    LaporanCreate: [
        {
            "jenis": "pengaduan",
            "kanal": "website",
            "judul": "Lampu jalan mati",
            "isi": "  Jl. Ijen gelap\nsejak Senin.",
            "kontak": {"nama": "Budi Santoso", "telepon": "0812-3456-7890"},
        }
    ],
    NaskahData: [{"teks": "  Versi 1\n\n- latar belakang\n", "catatan": "Awal"}],
    TelaahPimpinanData: [
        {"keputusan": "teruskan", "catatan": "Lanjut"},
        {"keputusan": "setuju", "catatan": "Setuju"},
    ],
    TindakLanjutData: [
        {
            "cara": "swakelola",
            "tim": ["Tim Aptika", "Bidang TIK"],
            "tindak_lanjut_teknis": "Siapkan server",
            "tindak_lanjut_administrasi": "Nota dinas",
        },
        {
            "cara": "penyedia",
            "referensi_pengadaan": "SPK 07/2026",
            "tindak_lanjut_teknis": "Serah terima",
            "tindak_lanjut_administrasi": "Kontrak",
        },
    ],
    PenyiapanLayananData: [
        {
            "nama_aplikasi": "Antrean MPP",
            "ringkasan_publik": "Ambil nomor antrean dari rumah.",
            "media_komunikasi": "Instagram @diskominfo",
        }
    ],
    UsulanCreate: [{"judul": "Aplikasi antrean MPP", "ringkasan": "Antrean dari rumah"}],
    AkunCreate: [
        {
            "nama": "Siti Rahayu",
            "whatsapp": "0812-3456-7890",
            "email": "siti@contoh.id",
            "password": "rahasia-sekali",
        }
    ],
    PelayananOpdData: [
        {"keputusan": "selesai", "hasil": "Akta terbit", "dokumen_ref": "AKTA-3371-0001"},
        {"keputusan": "selesai", "dokumen_ref": "AKTA-3371-0001"},
        {"keputusan": "ditolak", "alasan": "Berkas KK belum diunggah"},
    ],
    JawabanSurveiData: [{"nilai": [4, 3, 4, 4, 3, 4, 4, 3, 4], "saran": "Lebih cepat lagi"}],
    IdentitasBody: [
        {
            "nama": "Budi Santoso",
            "tempat_lahir": "Probolinggo",
            "tanggal_lahir": "1985-03-12",
            "jenis_kelamin": "L",
            "alamat": "Jl. Brantas No. 12",
        }
    ],
}
"""Valid data for each model with free text: together they set every free-text field."""

ENVELOPE: dict[str, Any] = {
    "action_id": "aksi-1",
    "actor": {"username": "petugas", "role": "peran", "agency": "instansi"},
    "opd_kode": "disdukcapil",
    "permintaan_id": "permintaan-1",
}
"""What a signal or update adds to its API body (filled in by the API, never typed)."""


# --- finding the fields ---------------------------------------------------------------------------
def _routers(module: object) -> Iterator[APIRouter]:
    """The routers a module holds: its own, and those of objects that build routes (``CASES``)."""
    for value in vars(module).values():
        if isinstance(value, APIRouter):
            yield value
        elif isinstance(getattr(value, "router", None), APIRouter):
            yield value.router


def _api_bodies() -> Iterator[type[BaseModel]]:
    """Every request body of every route of every router module under ``api``."""
    for info in pkgutil.walk_packages(api_package.__path__, "api."):
        for router in _routers(importlib.import_module(info.name)):
            for route in router.routes:
                if isinstance(route, APIRoute):
                    for param in route.dependant.body_params:
                        body = param.field_info.annotation
                        if isinstance(body, type) and issubclass(body, BaseModel):
                            yield body


def _workflow_arguments() -> Iterator[type[BaseModel]]:
    """Every officer step's body and signal (the step tables), and every typed signal's and
    update's argument of every workflow the worker runs."""
    for info in pkgutil.walk_packages(workflows_package.__path__, "workflows."):
        for value in vars(importlib.import_module(info.name)).values():
            if isinstance(value, StepTable):
                for row in value.steps:
                    yield row.body
                    yield row.action
    for cls in WORKFLOWS:
        definition = workflow._Definition.must_from_class(cls)
        arg_types = [s.arg_types for s in definition.signals.values()]
        arg_types += [u.arg_types for u in definition.updates.values()]
        for args in arg_types:
            for arg in args or []:
                if isinstance(arg, type) and issubclass(arg, BaseModel):
                    yield arg


MODELS: list[type[BaseModel]] = sorted(
    {*_api_bodies(), *_workflow_arguments()}, key=lambda m: f"{m.__module__}.{m.__qualname__}"
)


def _strip_annotated(tp: Any) -> Any:
    return get_args(tp)[0] if get_origin(tp) is Annotated else tp


def _kind(tp: Any) -> tuple[str, type[BaseModel] | None]:
    """``required``, ``optional``, ``list`` (of str), ``model`` (nested), or ``other``."""
    tp = _strip_annotated(tp)
    if tp is str:
        return "required", None
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        rest = [a for a in get_args(tp) if a is not type(None)]
        if len(rest) == 1:
            inner = _strip_annotated(rest[0])
            if inner is str:
                return "optional", None
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                return "model", inner
    if origin is list and [_strip_annotated(a) for a in get_args(tp)] == [str]:
        return "list", None
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return "model", tp
    return "other", None


def _excluded(model: type[BaseModel], name: str) -> bool:
    return any((base, name) in NOT_FREE_TEXT for base in model.__mro__)


def _text_fields(
    root: type[BaseModel], model: type[BaseModel] | None = None, prefix: tuple[str, ...] = ()
) -> Iterator[TextField]:
    """The free-text fields of ``root``, nested models' included (``model`` is where we are)."""
    here = model or root
    for name, info in here.model_fields.items():
        if _excluded(here, name):
            continue
        kind, nested = _kind(info.annotation)
        if kind == "model" and nested is not None:
            yield from _text_fields(root, nested, (*prefix, name))
        elif kind != "other":
            yield TextField(root, (*prefix, name), kind)


class TextField:
    """One free-text field: the model it is reached from, its path, its kind."""

    def __init__(self, model: type[BaseModel], path: tuple[str, ...], kind: str) -> None:
        self.model, self.path, self.kind = model, path, kind

    def __repr__(self) -> str:
        return f"{self.model.__name__}.{'.'.join(self.path)}"


def _samples(model: type[BaseModel]) -> list[dict[str, Any]]:
    """The model's samples, or its API body's with the envelope the API adds."""
    for base in model.__mro__:
        if base in SAMPLES:
            extra = {k: v for k, v in ENVELOPE.items() if k in model.model_fields}
            return [{**copy.deepcopy(s), **extra} for s in SAMPLES[base]]
    return []


def _get(data: dict[str, Any], path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def _with(data: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    """A copy of ``data`` with ``path`` set to ``value`` (or removed, for ``...``)."""
    out = copy.deepcopy(data)
    node = out
    for key in path[:-1]:
        node = node[key]
    if value is ...:
        node.pop(path[-1], None)
    else:
        node[path[-1]] = value
    return out


FIELDS = [f for m in MODELS for f in _text_fields(m)]
CASES = [
    pytest.param(f, i, s, blank, id=f"{f!r}#{i}-{'empty' if not blank else 'spaces'}")
    for f in FIELDS
    for i, s in enumerate(_samples(f.model))
    if _get(s, f.path) is not None
    for blank in BLANKS
]


def _errors(model: type[BaseModel], data: dict[str, Any]) -> list[tuple[tuple[Any, ...], str]]:
    try:
        model.model_validate(data)
    except ValidationError as err:
        return [(tuple(e["loc"]), e["msg"]) for e in err.errors()]
    return []


# --- the models -----------------------------------------------------------------------------------
def test_the_walk_finds_the_free_text_of_every_sop() -> None:
    found = {repr(f) for f in FIELDS}
    assert {
        "NaskahData.teks",
        "PengumpulanData.teks",
        "TindakLanjutData.tim",
        "PenyiapanLayananData.ringkasan_publik",
        "UsulanCreate.judul",
        "LaporanCreate.judul",
        "LaporanCreate.isi",
        "LaporanCreate.kontak.nama",
        "DrafTanggapan.draf",
        "TelaahData.catatan",
        "PelayananOpd.alasan",
        "JawabanSurvei.saran",
        "AkunCreate.nama",
        "IdentitasBody.alamat",
        "IdentitasBody.tempat_lahir",
    } <= found
    assert not any(r.startswith(("OtpBody", "NikBody", "KataSandiBody")) for r in found)


def test_every_exclusion_names_a_real_field() -> None:
    stale = [(m.__name__, n) for m, n in NOT_FREE_TEXT if n not in m.model_fields]
    assert stale == []


@pytest.mark.parametrize("field", FIELDS, ids=repr)
def test_every_free_text_field_has_a_sample_that_sets_it(field: TextField) -> None:
    samples = _samples(field.model)
    assert any(_get(s, field.path) is not None for s in samples), f"add {field!r} to SAMPLES"
    for sample in samples:
        assert _errors(field.model, sample) == []
        typed = _get(sample, field.path)
        if typed is not None:  # kept as typed, surrounding whitespace and all
            assert _get(field.model.model_validate(sample).model_dump(), field.path) == typed


@pytest.mark.parametrize(("field", "i", "sample", "blank"), CASES)
def test_blank_text_is_refused_or_left_out(
    field: TextField, i: int, sample: dict[str, Any], blank: str
) -> None:
    if field.kind == "required":
        assert (field.path, PESAN_KOSONG) in _errors(field.model, _with(sample, field.path, blank))
    elif field.kind == "list":
        items = [*_get(sample, field.path), blank]
        where = (*field.path, len(items) - 1)
        assert (where, PESAN_KOSONG) in _errors(field.model, _with(sample, field.path, items))
    else:  # optional: blank is exactly "left out", whether the model then needs it or not
        blanked, left_out = _with(sample, field.path, blank), _with(sample, field.path, ...)
        assert _errors(field.model, blanked) == _errors(field.model, left_out)
        if not _errors(field.model, left_out):
            assert _get(field.model.model_validate(blanked).model_dump(), field.path) is None


def test_a_blank_document_reference_is_no_output() -> None:
    body = {"keputusan": "selesai", "dokumen_ref": "   "}
    assert _errors(PelayananOpdData, body) == [
        ((), "Value error, hasil atau dokumen_ref wajib diisi bila layanan selesai")
    ]


# --- through the API ------------------------------------------------------------------------------
def _message(r: Any) -> str:
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "invalid_request"
    return str(r.json()["error"]["message"])


async def test_a_blank_proposal_version_is_a_422_and_writes_nothing(
    api: ApiClient, sessions: sessionmaker[Session]
) -> None:
    fungsional = await api.as_officer("trenggalek.fungsional")
    r = await api.http.post(
        "/trenggalek/usulan", json={"judul": "Aplikasi antrean MPP"}, headers=fungsional
    )
    assert r.status_code == 201, r.text
    number = r.json()["nomor_kasus"]
    for _ in range(400):  # step 1 is open for the Fungsional
        tasks = (await api.http.get("/tasks", headers=fungsional)).json()
        if any(x["case_number"] == number and x["step"] == "pengumpulan_data" for x in tasks):
            break
        await asyncio.sleep(0.02)
    url = f"/trenggalek/kasus/{number}/pengumpulan_data"
    r = await api.http.post(url, json={"teks": "   \n  "}, headers=fungsional)
    assert _message(r) == "Data tidak valid: teks: tidak boleh kosong"
    r = await api.http.post(url, json={"teks": ""}, headers=fungsional)
    assert _message(r) == "Data tidak valid: teks: tidak boleh kosong"

    view = (await api.http.get(f"/trenggalek/kasus/{number}", headers=fungsional)).json()
    assert view["langkah_sekarang"] == "pengumpulan_data"
    assert view["versi_naskah"] == []
    # The step was open all along: a real version goes through and is the first one stored.
    r = await api.http.post(url, json={"teks": "Versi 1"}, headers=fungsional)
    assert r.status_code == 202, r.text
    for _ in range(400):
        if t.versions(sessions, number):
            break
        await asyncio.sleep(0.02)
    assert [v.teks for v in t.versions(sessions, number)] == ["Versi 1"]


async def test_a_blank_report_title_or_text_is_a_422_and_no_case(
    api: ApiClient, sessions: sessionmaker[Session]
) -> None:
    report = {"jenis": "pengaduan", "kanal": "website", "judul": "Lampu mati", "isi": "Gelap"}
    r = await api.http.post("/malang/laporan", json={**report, "judul": "   \n  "})
    assert _message(r) == "Data tidak valid: judul: tidak boleh kosong"
    r = await api.http.post("/malang/laporan", json={**report, "isi": "      "})
    assert _message(r) == "Data tidak valid: isi: tidak boleh kosong"
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 0


async def test_a_blank_magesty_name_is_a_422_and_no_account(
    api: ApiClient, sessions: sessionmaker[Session]
) -> None:
    person = {**SAMPLES[AkunCreate][0], "nama": "   \n  "}
    r = await api.http.post("/magelang/akun", json=person)
    assert _message(r) == "Data tidak valid: nama: tidak boleh kosong"
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(MagestyAkun)) == 0


async def test_a_blank_probolinggo_address_is_a_422_and_no_identity(
    api: ApiClient, sessions: sessionmaker[Session]
) -> None:
    seed_register(sessions)
    r = await api.http.post(
        "/probolinggo/registrasi",
        json={"status_warga": "warga_kota", "telepon": "0" + RESIDENT.phone.removeprefix("+62")},
    )
    assert r.status_code == 201, r.text
    rid = r.json()["id_registrasi"]
    step = f"/probolinggo/registrasi/{rid}"
    assert (await api.http.post(f"{step}/kata_sandi", json={"kata_sandi": PASSWORD})).is_success
    outbox = (await api.http.get("/dev/outbox", params={"case_number": rid})).json()
    code = re.search(r"\b(\d{6})\b", next(m["body"] for m in outbox if m["purpose"] == "otp"))
    assert code is not None
    assert (await api.http.post(f"{step}/otp", json={"kode": code.group(1)})).is_success
    r = await api.http.post(f"{step}/nik", json={"nik": RESIDENT.nik})
    assert r.json()["langkah"] == "identitas", r.text

    identity = {**SAMPLES[IdentitasBody][0], "alamat": "   \n  "}
    r = await api.http.post(f"{step}/identitas", json=identity)
    assert _message(r) == "Data tidak valid: alamat: tidak boleh kosong"
    r = await api.http.post(f"{step}/identitas", json={**identity, "alamat": "Jl. X", "nama": ""})
    assert _message(r) == "Data tidak valid: nama: tidak boleh kosong"
    assert draft_row(sessions, rid).alamat is None and draft_row(sessions, rid).nama is None
    assert (await api.http.get(step)).json()["langkah"] == "identitas"
    r = await api.http.post(f"{step}/identitas", json=SAMPLES[IdentitasBody][0])
    assert r.status_code == 200 and r.json()["hasil"] == "diterima", r.text
