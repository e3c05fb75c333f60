"""Kota Magelang's MAGESTY SOP over HTTP, under ``/magelang``: accounts and activation
(magelang_akun), the OPD services, requests and survey (magelang_layanan), the Satker's statistics
(magelang_statistik)."""

from __future__ import annotations

from fastapi import APIRouter

from api.magelang import akun as magelang_akun
from api.magelang import layanan as magelang_layanan
from api.magelang import statistik as magelang_statistik

router = APIRouter(prefix="/magelang", tags=["magelang"])
router.include_router(magelang_akun.router)
router.include_router(magelang_layanan.router)
router.include_router(magelang_statistik.router)
