"""View Probolinggo registration: its tunable limits, the nested settings ``Settings.probolinggo``
(environment ``ALUR_PROBOLINGGO__<FIELD>``, e.g. in a ``.env`` file).

Durations take seconds (``300``) or ISO 8601 (``PT5M``). Every value must be positive: a wrong one
stops the API or the worker at start-up with the field's name and what it must be.

What is not here, on purpose: the SOP's own time standards (the 15-minute registration, each
step's time) come from the catalogue (``sop/probolinggo.py``), and the OTP send's 10 s / 45 s
activity bounds are tied to the OTP step's 1 minute (``workflows/probolinggo_policies.py``).

The workflow's limits (the first six fields) reach a registration in its input
(``AturanRegistrasi``, built by the API from these settings when it starts the registration), so a
change applies to registrations started after it and a running one keeps the limits it began with.
The hourly OTP caps are read by the API and by the OTP activity. The login limits (the last five
fields) are every login's now, ``Settings.login`` (``ALUR_LOGIN__<FIELD>``, applied by
``api/login_throttle.py``); the names ``ALUR_PROBOLINGGO__SLOW_AFTER`` … ``BUSY_WAIT`` still set
them, and these fields show the limits that apply.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any, Self

from pydantic import AfterValidator, BaseModel, BeforeValidator, PositiveInt, model_validator

_SECONDS = re.compile(r"\s*\d+(\.\d+)?\s*")


def _seconds(value: Any) -> Any:
    """``"300"`` from the environment means 300 seconds (pydantic reads a number, not such text)."""
    if isinstance(value, str) and _SECONDS.fullmatch(value):
        return float(value)
    return value


def _positive(value: timedelta) -> timedelta:
    if value <= timedelta(0):
        raise ValueError(
            f"must be longer than 0 seconds, got {value.total_seconds():g} s "
            "(give seconds, e.g. 300, or ISO 8601, e.g. PT5M)"
        )
    return value


PositiveDuration = Annotated[timedelta, BeforeValidator(_seconds), AfterValidator(_positive)]
"""A duration longer than zero: seconds (``300``) or ISO 8601 (``PT5M``)."""

LOGIN_FIELDS = ("slow_after", "slow_base", "lock_after", "lock_for", "busy_wait")
"""The login limits that moved to ``Settings.login``: setting one here sets the shared one."""


class ProbolinggoSettings(BaseModel):
    """View Probolinggo registration: each default is what docs/probolinggo.md describes."""

    # --- the workflow's limits (carried in the registration's input) ---------------------------
    otp_berlaku: PositiveDuration = timedelta(minutes=5)
    """How long a code is valid (the SMS's validity period too). 5 minutes: the SOP's 1 minute is
    the step's time standard, not the code's life; a citizen whose SMS arrives late should not
    need a new one."""
    otp_jeda_kirim_ulang: PositiveDuration = timedelta(seconds=30)
    """Cooldown between two codes of one registration. 30 s: longer than an SMS usually takes,
    short enough not to make a citizen whose SMS was lost wait."""
    max_kirim_ulang: PositiveInt = 3
    """Resends per registration (so at most ``max_kirim_ulang + 1`` codes). 3: each SMS costs
    money, and 4 codes cover a lost or late SMS."""
    max_otp_salah: PositiveInt = 5
    """Wrong codes per registration before it is stopped. 5: a 6-digit code then has 5 guesses in
    10^6, while a citizen's typos are allowed."""
    max_nik_ditolak: PositiveInt = 5
    """Refused NIKs per registration before it is stopped. 5: enough for typos, too few to guess
    NIKs against the population register."""
    max_identitas_ditolak: PositiveInt = 5
    """Refused identities per registration before it is stopped. 5: as for the NIK, against
    guessing the register's data of a known NIK."""

    # --- the hourly OTP caps (API and OTP activity) ---------------------------------------------
    max_otp_per_phone_per_hour: PositiveInt = 5
    """Codes one phone number may receive in an hour, across registrations. 5: more than one
    registration needs, and it caps what an attacker can spend on (or spam) one number."""
    max_otp_per_client_per_hour: PositiveInt = 300
    """Codes one client address may ask for in an hour. 300: Indonesian mobile carriers put many
    subscribers behind one public address (carrier-grade NAT), so a low cap (it was 20) refuses
    citizens who never met; the per-number cap (5 an hour) and the per-registration limits do
    the real work against SMS pumping, and this cap only bounds what one bot at one address can
    spend (300 SMS an hour) before its address is refused."""

    # --- login (API): the shared ``Settings.login``'s first five; setting one here sets that ---
    slow_after: PositiveInt = 3
    """Failed logins in a row from which each further attempt must wait. 3: two typos are free."""
    slow_base: PositiveDuration = timedelta(seconds=30)
    """The first wait; it doubles with each further failure until the lock. 30 s: a citizen barely
    notices, a guesser gets two tries a minute."""
    lock_after: PositiveInt = 5
    """Failed logins in a row that lock the account (at least ``slow_after``). 5: with the waits,
    a handful of guesses per quarter hour."""
    lock_for: PositiveDuration = timedelta(minutes=15)
    """How long a locked account refuses logins. 15 minutes: long against guessing, short enough
    that the owner is not locked out for the day."""
    busy_wait: PositiveDuration = timedelta(seconds=5)
    """What a login is told to wait while another login of the same account is being checked.
    5 s: longer than one password check (argon2) takes."""

    @model_validator(mode="after")
    def _slow_before_lock(self) -> Self:
        if self.slow_after > self.lock_after:
            raise ValueError(
                f"slow_after ({self.slow_after}) must not be greater than lock_after "
                f"({self.lock_after}): the waits come before the lock"
            )
        return self
