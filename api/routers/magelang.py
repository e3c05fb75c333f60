"""Magelang SOP routes (placeholder until its issue is built)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["magelang"])
