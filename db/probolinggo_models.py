"""Probolinggo SOP tables (placeholder until its issue is built)."""

from __future__ import annotations
