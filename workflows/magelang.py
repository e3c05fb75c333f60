"""Magelang SOP workflows (placeholder until its issue is built)."""

from __future__ import annotations

from typing import Any

WORKFLOWS: tuple[type[Any], ...] = ()
