"""/docs and /redoc work offline and say which login each route needs; every throttled route
answers 429 the same way; every bearer-token route refuses a bad token with the same words.

The pages and the OpenAPI document are read from the app built without Temporal; the 429s come
from the real app with a real worker (``api`` fixture); the last test renders /docs in headless
Chromium with every host but 127.0.0.1 unresolvable.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from activities.probolinggo.refs import phone_ref, secret_key
from alur.security import issue_token
from alur.settings import Settings
from api.main import create_app
from tests.browser import PRINT_TIMEOUT_S, chromium
from tests.conftest import TEST_PAYLOAD_KEY, ApiClient
from tests.probolinggo_helpers import RESIDENT
from tests.test_magelang_api import bearer, register
from tests.test_probolinggo_api import _add_account, _earlier_sends, login

SETTINGS = Settings(environment="test", payload_key=TEST_PAYLOAD_KEY)
DISPOSISI = "/malang/kasus/{nomor_kasus}/disposisi"
SAYA_MAGESTY = "/magelang/akun/saya"


@pytest.fixture
def app(sessions: sessionmaker[Session]) -> FastAPI:
    """The app over a migrated database and no Temporal (no route here reaches it)."""
    return create_app(SETTINGS, sessions=sessions)


@pytest.fixture
async def http(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


class _Refs(HTMLParser):
    """Every ``src`` and ``href`` of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        del tag
        self.refs += [v for k, v in attrs if k in ("src", "href") and v]


def _refs(html: str) -> list[str]:
    parser = _Refs()
    parser.feed(html)
    return parser.refs


CONTENT_TYPES = {".js": "javascript", ".css": "text/css", ".png": "image/png"}


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_docs_pages_load_only_local_assets(http: httpx.AsyncClient, page: str) -> None:
    r = await http.get(page)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "cdn." not in r.text and "fonts.googleapis" not in r.text
    refs = _refs(r.text)
    assert any(ref.endswith(".js") for ref in refs), refs
    for ref in refs:
        assert ref.startswith("/") and not ref.startswith("//"), f"{page} loads {ref}"
        asset = await http.get(ref)
        expected = CONTENT_TYPES[Path(ref).suffix]
        assert asset.status_code == 200 and expected in asset.headers["content-type"], ref
        assert len(asset.content) > 1000, ref


async def test_swagger_keeps_the_officers_authorize_redirect_local(http: httpx.AsyncClient) -> None:
    page = (await http.get("/docs")).text
    assert "oauth2RedirectUrl: window.location.origin + '/docs/oauth2-redirect'" in page
    r = await http.get("/docs/oauth2-redirect")
    assert r.status_code == 200 and "oauth2" in r.text.lower()
    assert "http://" not in r.text and "https://" not in r.text


async def test_each_login_has_its_own_security_scheme(http: httpx.AsyncClient) -> None:
    spec = (await http.get("/openapi.json")).json()
    schemes = spec["components"]["securitySchemes"]
    assert {"Petugas", "WargaMagesty", "PendaftaranMagesty", "WargaProbolinggo"} <= set(schemes)
    assert "OAuth2PasswordBearer" not in schemes
    assert schemes["Petugas"]["flows"]["password"]["tokenUrl"] == "/auth/login"
    for name in ("WargaMagesty", "PendaftaranMagesty", "WargaProbolinggo"):
        assert (schemes[name]["type"], schemes[name]["scheme"]) == ("http", "bearer")
        assert "POST /" in schemes[name]["description"]
    paths = spec["paths"]
    assert paths[DISPOSISI]["post"]["security"] == [{"Petugas": []}]
    assert paths[SAYA_MAGESTY]["get"]["security"] == [{"WargaMagesty": []}]
    assert paths["/magelang/akun/kirim-ulang"]["post"]["security"] == [{"PendaftaranMagesty": []}]
    assert paths["/probolinggo/akun"]["get"]["security"] == [{"WargaProbolinggo": []}]


# --- 429s -------------------------------------------------------------------------------------
async def test_magesty_resend_too_soon_says_how_long_to_wait(api: ApiClient) -> None:
    reg = await register(api)
    r = await api.http.post("/magelang/akun/kirim-ulang", headers=bearer(reg["token_pendaftaran"]))
    assert r.status_code == 429 and r.json()["error"]["code"] == "tunggu_kirim_ulang"
    wait = r.json()["error"]["detail"]["tunggu_detik"]
    assert int(r.headers["Retry-After"]) == wait and 1 <= wait <= 60
    assert "Tunggu" in r.json()["error"]["message"]


async def test_probolinggo_lockout_says_how_long_to_wait(
    api: ApiClient, sessions: sessionmaker[Session]
) -> None:
    _add_account(sessions)
    for _ in range(2):
        assert (await login(api, RESIDENT.phone, "salah-123")).status_code == 401
    r = await login(api, RESIDENT.phone, "salah-123")
    assert r.status_code == 429 and r.headers["Retry-After"] == "30"
    error = r.json()["error"]
    assert (error["code"], error["detail"]) == ("akun_terkunci", {"tunggu_detik": 30})
    assert error["message"].endswith("coba lagi dalam 30 detik")


async def test_probolinggo_hourly_cap_says_how_long_to_wait(
    api: ApiClient, sessions: sessionmaker[Session]
) -> None:
    phone = "+6281277700009"
    cap = SETTINGS.probolinggo.max_otp_per_phone_per_hour
    _earlier_sends(sessions, cap, phone_ref=phone_ref(secret_key(), phone))
    r = await api.http.post(
        "/probolinggo/registrasi", json={"status_warga": "warga_luar_kota", "telepon": phone}
    )
    assert r.status_code == 429 and r.headers["Retry-After"] == "3600"
    error = r.json()["error"]
    assert (error["code"], error["detail"]) == ("batas_per_jam", {"tunggu_detik": 3600})


# --- 401s -------------------------------------------------------------------------------------
def _token(typ: str, *, ttl: timedelta = timedelta(minutes=5)) -> dict[str, str]:
    secret = SETTINGS.jwt_secret.get_secret_value()
    token, _ = issue_token(subject="1", claims={"typ": typ}, secret=secret, ttl=ttl)
    return {"Authorization": f"Bearer {token}"}


ROUTES = [
    ("/tasks", "officer", "magesty", "Token ini bukan token pejabat"),
    (SAYA_MAGESTY, "magesty", "officer", "Token ini bukan token warga MAGESTY"),
    (
        "/magelang/akun/status",
        "magesty_daftar",
        "magesty",
        "Token ini bukan token pendaftaran MAGESTY",
    ),
    (
        "/probolinggo/akun",
        "warga_probolinggo",
        "officer",
        "Token ini bukan token warga View Probolinggo",
    ),
]


@pytest.mark.parametrize(("path", "typ", "other", "wrong_kind"), ROUTES)
async def test_every_token_route_refuses_bad_tokens_with_the_same_words(
    http: httpx.AsyncClient, path: str, typ: str, other: str, wrong_kind: str
) -> None:
    cases: list[tuple[dict[str, str], str, str]] = [
        ({}, "not_authenticated", "Silakan masuk (login) terlebih dahulu"),
        ({"Authorization": "Bearer rusak"}, "not_authenticated", "Token tidak valid"),
        (
            _token(typ, ttl=timedelta(minutes=-5)),
            "not_authenticated",
            "Sesi telah berakhir, silakan masuk kembali",
        ),
        (_token(other), "wrong_token_type", wrong_kind),
    ]
    for headers, code, message in cases:
        r = await http.get(path, headers=headers)
        error = r.json()["error"]
        assert (r.status_code, error["code"], error["message"]) == (401, code, message), headers
        assert r.headers["WWW-Authenticate"] == "Bearer"


# --- a real browser ---------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def served(app: FastAPI) -> Iterator[str]:
    """The app on a free 127.0.0.1 port, in a thread (no lifespan: nothing here needs Temporal)."""
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


async def _dump_dom(url: str, profile: Path) -> str:
    proc = await asyncio.create_subprocess_exec(
        chromium(),
        "--headless",
        "--no-sandbox",  # CI runs as root
        "--disable-gpu",
        f"--user-data-dir={profile}",
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
        "--virtual-time-budget=5000",
        "--dump-dom",
        url,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), PRINT_TIMEOUT_S)
    except TimeoutError:
        proc.kill()
        raise
    assert proc.returncode == 0, err.decode(errors="replace")[-2000:]
    return out.decode()


async def test_swagger_ui_renders_the_operations_offline_in_a_real_browser(
    served: str, tmp_path: Path
) -> None:
    dom = await _dump_dom(f"{served}/docs", tmp_path / "profile")
    assert "swagger-ui" in dom
    assert "opblock" in dom, dom[-2000:]
    assert f'data-path="{DISPOSISI}"' in dom
    assert "Authorize" in dom
