"""Kota/Kabupaten Trenggalek: the SOP's activities (placeholder until its issue is built)."""

from __future__ import annotations

from activities.wiring import ActivityDeps, ActivitySet


def build_activities(deps: ActivityDeps) -> ActivitySet:
    """The Trenggalek SOP's activities for the worker."""
    del deps
    return ActivitySet()
