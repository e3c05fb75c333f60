"""What each SOP's activities need from the worker, and what they give back to it.

``worker.build_workers`` builds one ``ActivityDeps`` and asks every SOP module for its
``ActivitySet``: the activities for the main queue (database work) and for the notifications queue
(anything that sends a message, so the provider's rate limit applies to it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from activities.senders import Sender
from alur.settings import Settings


@dataclass(frozen=True)
class ActivityDeps:
    """The worker's shared resources, handed to every SOP's activity classes."""

    session_factory: sessionmaker[Session]
    sender: Sender
    settings: Settings
    """Read once by the worker and handed in: no activity reads the process's settings itself."""
    status_callback: str | None = None


@dataclass(frozen=True)
class ActivitySet:
    """One SOP's activities, by the task queue they run on."""

    main: list[Callable[..., Any]] = field(default_factory=list)
    notifications: list[Callable[..., Any]] = field(default_factory=list)
