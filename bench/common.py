"""What every SOP's bench flow shares: the timing of one case, the error that stops the bench, and
the polling pace (the same for the API and the direct phases, so their ratio stays fair).

A flow module (``bench/<sop>_flow.py``) gives an ``ApiFlow`` and a ``DirectFlow``, each with
``async prepare()`` (logins, reference data: not measured) and ``async case() -> CaseTiming``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import httpx

from alur.seed import DEMO_PASSWORD

RETRY_SLEEP_S = 0.005
"""Pause before asking again whether a case has reached a step (both phases alike)."""
STEP_TIMEOUT_S = 30.0
"""How long one case may take to reach one step before the bench gives up."""


Headers = dict[str, dict[str, str]]
"""Request headers by officer username."""


class BenchError(RuntimeError):
    """Something other than "not yet": the bench stops and says what."""


@dataclass(frozen=True)
class CaseTiming:
    """One case: seconds from filing to its workflow's result, and how often it had to wait."""

    seconds: float
    waits: int


NOT_YET: frozenset[tuple[int, str]] = frozenset({(409, "wrong_step"), (409, "case_busy")})
"""Answers to an officer's action that mean "the case has not reached this step yet"."""


async def officer_headers(http: httpx.AsyncClient, usernames: Iterable[str]) -> Headers:
    """One bearer token per demo officer, fetched once (logins are not what the bench measures)."""
    headers: Headers = {}
    for username in usernames:
        r = await http.post("/auth/login", data={"username": username, "password": DEMO_PASSWORD})
        if r.status_code != 200:
            raise BenchError(f"login {username}: {r.status_code} {r.text}")
        headers[username] = {"Authorization": f"Bearer {r.json()['access_token']}"}
    return headers


async def post_until_accepted(
    http: httpx.AsyncClient,
    url: str,
    body: dict[str, Any],
    headers: dict[str, str],
    *,
    not_yet: frozenset[tuple[int, str]] = NOT_YET,
) -> int:
    """POST an officer's action until it answers 202; returns how often it had to wait. Any
    answer but 202 or a "not yet" one stops the bench, as does a step never reached."""
    deadline = time.monotonic() + STEP_TIMEOUT_S
    waits = 0
    while True:
        r = await http.post(url, json=body, headers=headers)
        if r.status_code == 202:
            return waits
        if (r.status_code, r.json().get("error", {}).get("code")) not in not_yet:
            raise BenchError(f"POST {url}: {r.status_code} {r.text}")
        if time.monotonic() > deadline:
            raise BenchError(f"POST {url}: step not reached within {STEP_TIMEOUT_S:.0f} s")
        waits += 1
        await asyncio.sleep(RETRY_SLEEP_S)
