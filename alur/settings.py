"""Alur's configuration, read once from the environment (prefix ``ALUR_``) and a ``.env`` file.

Every setting has an embedded default that runs the whole stack on one machine (SQLite under
``.alur/``, the Temporal dev server on localhost, the dev notifier). Production sets the database
URL,
the Temporal address, Twilio credentials and real secrets. Each setting is documented in README.md.
"""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Literal, Self

from pydantic import BaseModel, Field, PositiveInt, SecretStr, computed_field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from alur.settings_kalender import KalenderSettings
from alur.settings_magelang import MagelangSettings
from alur.settings_probolinggo import LOGIN_FIELDS, PositiveDuration, ProbolinggoSettings
from alur.settings_run import RunSettings
from alur.settings_trenggalek import TrenggalekSettings

_DEV_JWT_SECRET = "alur-dev-jwt-secret-change-me-in-production-0123456789"
_DEV_PAYLOAD_KEY = "YWx1ci1kZXYtcGF5bG9hZC1rZXktMzJieXRlcyEhISE="  # base64 of 32 bytes, dev only
_DEV_PERSONAL_REF_KEY = "alur-dev-personal-ref-key-change-me-in-production-0123"


class LoginSettings(BaseModel):
    """The limits of every login (officers', MAGESTY's, View Probolinggo's),
    ``ALUR_LOGIN__<FIELD>``; ``api/login_throttle.py`` applies them. The first five are per
    account and are what View Probolinggo's login had (``ALUR_PROBOLINGGO__SLOW_AFTER`` and its
    siblings still set them)."""

    slow_after: PositiveInt = 3
    """Failed logins of one account in a row from which each further attempt must wait. 3: two
    typos are free."""
    slow_base: PositiveDuration = timedelta(seconds=30)
    """The first wait; it doubles with each further failure until the lock. 30 s: a person barely
    notices, a guesser gets two tries a minute."""
    lock_after: PositiveInt = 5
    """Failed logins of one account in a row that lock it (at least ``slow_after``). 5: with the
    waits, a handful of guesses per quarter hour."""
    lock_for: PositiveDuration = timedelta(minutes=15)
    """How long a locked account (or address) refuses logins, the right password too. 15 minutes:
    long against guessing, short enough that the owner is not locked out for the day."""
    busy_wait: PositiveDuration = timedelta(seconds=5)
    """What a login is told to wait while another login of the same account (or of a waiting
    address) is being checked. 5 s: longer than one password check (argon2) takes."""
    alamat_slow_after: PositiveInt = 30
    """Failed logins from one client address (any accounts) within ``alamat_window`` from which
    each further attempt from that address must wait, doubling from ``slow_base``. 30, ten times
    the account's 3: Indonesian mobile carriers put many subscribers behind one public address
    (carrier-grade NAT), so an address's count must leave room for the typos of many citizens who
    never met (a busy shared address sees a few failures in a quarter hour), while a spray of
    common passwords over many accounts (which the per-account count never stops, each account
    getting its two free tries) is held to about 30 guesses per address per quarter hour."""
    alamat_lock_after: PositiveInt = 35
    """Failed logins from one address within the window that lock the address for ``lock_for``
    (at least ``alamat_slow_after``). 35: the waits (30 s … 4 min) come first."""
    alamat_window: PositiveDuration = timedelta(minutes=15)
    """How long an address's count lasts from its first failure; then it starts again. A
    success does not clear it (a sprayer would log in to an account of its own in between), but
    does not count either."""

    @model_validator(mode="after")
    def _slow_before_lock(self) -> Self:
        for slow, lock in (
            ("slow_after", "lock_after"),
            ("alamat_slow_after", "alamat_lock_after"),
        ):
            if getattr(self, slow) > getattr(self, lock):
                raise ValueError(
                    f"{slow} ({getattr(self, slow)}) must not be greater than {lock} "
                    f"({getattr(self, lock)}): the waits come before the lock"
                )
        return self


class Settings(BaseSettings):
    """All of Alur's settings. ``environment="production"`` refuses the dev secrets."""

    model_config = SettingsConfigDict(
        env_prefix="ALUR_", env_file=".env", extra="ignore", env_nested_delimiter="__"
    )

    environment: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path(".alur")
    database_url: str = "sqlite:///.alur/alur.db"

    temporal_address: str = "localhost:7233"
    temporal_namespace: str = "default"
    task_queue: str = "alur"
    notification_rate_per_second: float = Field(
        default=1.0,
        description="Messages per second the notification queue may send (Twilio long-code rate).",
    )

    jwt_secret: SecretStr = SecretStr(_DEV_JWT_SECRET)
    jwt_ttl_minutes: int = 480
    web_session_minutes: int = Field(default=60, ge=5, le=720)
    """Lifetime of an officer's web session cookie (``/petugas/``); renewed while in use."""
    payload_key: SecretStr = SecretStr(_DEV_PAYLOAD_KEY)
    """Base64 of the 32-byte AES-256-GCM key that encrypts workflow payloads in Temporal."""
    personal_ref_key: SecretStr = SecretStr(_DEV_PERSONAL_REF_KEY)
    """The secret of the keyed hashes (HMAC) Alur keeps instead of personal data and codes: phone
    and client-address references for the OTP caps, OTP and activation-code digests. Its own
    secret, so rotating the JWT secret (logging everyone out) does not void codes in flight."""

    public_base_url: str = "http://localhost:8000"
    """The URL Twilio reaches the API at; webhook signatures are checked against it."""
    temporal_ui_url: str = "http://localhost:8233"

    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    twilio_messaging_service_sid: str | None = None
    twilio_sms_from: str | None = None
    twilio_whatsapp_from: str | None = None

    retensi_kontak_hari: int = Field(default=90, ge=1)
    """Days after a case closes that the citizen's contact (name, phone, email) and the numbers in
    the notification log are kept, then erased (UU 27/2022: personal data no longer than its
    purpose needs). 90: the time a citizen may reasonably answer a response or ask about it
    again, and the agency check that the answer reached them; after that the case, its trail and
    the public response stay, the person does not."""

    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8000, ge=1, le=65535)

    log_format: Literal["text", "json"] = "text"
    """``json``: one JSON object a line (API and worker), with the case number and workflow id
    where known and never personal data (``alur/log_format.py``); ``text`` for a terminal."""
    worker_max_cached_workflows: int = Field(default=10_000, ge=0)
    """Open cases the worker keeps in memory (the SDK's sticky cache; its own default is 1,000).
    An action on a case past it makes the worker fetch and replay the case's history first, which
    at 10,000 open cases made an officer's action 1.6x slower at p95 (``bench/scale.py``). A cached
    case costs about 135 KiB, and only while it is open: 10,000 took the worker to 1.7 GiB."""
    worker_metrics_host: str = "127.0.0.1"
    worker_metrics_port: int = Field(default=9464, ge=0, le=65535)
    """Where the worker serves the Temporal SDK's Prometheus metrics (``/metrics``); 0 turns
    them off. The API serves its own and Alur's figures on its port at ``/metrics``."""
    metrics_token: SecretStr | None = None
    """When set, the API's ``/metrics`` answers only ``Authorization: Bearer <token>``."""
    run: RunSettings = Field(default_factory=RunSettings)
    """How ``make run`` restarts a crashed process (``ALUR_RUN__...``): see
    ``alur/settings_run.py``."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def use_twilio(self) -> bool:
        """Twilio sends when its credentials are set; otherwise the dev outbox keeps messages."""
        return bool(self.twilio_account_sid and self.twilio_auth_token)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def dev_endpoints(self) -> bool:
        """The dev outbox endpoint exists only outside production."""
        return self.environment != "production"

    magelang: MagelangSettings = Field(default_factory=MagelangSettings)
    """MAGESTY's limits (``ALUR_MAGELANG__...``): see docs/magelang.md."""
    trenggalek: TrenggalekSettings = Field(default_factory=TrenggalekSettings)
    """The proposals' limits (``ALUR_TRENGGALEK__...``): see docs/trenggalek.md."""
    probolinggo: ProbolinggoSettings = Field(default_factory=ProbolinggoSettings)
    """The registration's limits (``ALUR_PROBOLINGGO__...``): see docs/probolinggo.md."""
    login: LoginSettings = Field(default_factory=LoginSettings)
    """Every login's limits (``ALUR_LOGIN__...``): see ``LoginSettings`` and README.md."""
    kalender: KalenderSettings = Field(default_factory=KalenderSettings)
    """Each agency's working time (``ALUR_KALENDER__...``): timezone, office hours, local days
    off; see ``alur/settings_kalender.py`` and ``alur/working_time.py``."""
    skala_waktu: int = Field(default=1, ge=1, le=3600)
    """Development only: every time standard is this many times shorter (and counted on the wall
    clock), so a ``make run`` user sees a breach and its escalation within seconds
    (``ALUR_SKALA_WAKTU=60``: Malang's 15 minutes take 15 seconds). 1 (off) in production."""

    @model_validator(mode="after")
    def _one_set_of_login_limits(self) -> Self:
        """``ALUR_PROBOLINGGO__SLOW_AFTER`` and its siblings (the names the login limits had when
        only View Probolinggo's login had them) set the shared limits, unless ``ALUR_LOGIN__...``
        sets the same field; ``probolinggo``'s fields then show what applies."""
        own = self.login.model_fields_set
        moved = {
            f: getattr(self.probolinggo, f)
            for f in LOGIN_FIELDS
            if f in self.probolinggo.model_fields_set and f not in own
        }
        if moved:
            kept = {f: getattr(self.login, f) for f in own}
            self.login = LoginSettings(**kept, **moved)
        applied = {f: getattr(self.login, f) for f in LOGIN_FIELDS}
        if any(getattr(self.probolinggo, f) != v for f, v in applied.items()):
            self.probolinggo = self.probolinggo.model_copy(update=applied)
        return self

    def check_production(self) -> None:
        """Refuse to run production on the embedded dev secrets."""
        if self.environment != "production":
            return
        if self.jwt_secret.get_secret_value() == _DEV_JWT_SECRET:
            raise RuntimeError("ALUR_JWT_SECRET must be set in production")
        if self.payload_key.get_secret_value() == _DEV_PAYLOAD_KEY:
            raise RuntimeError("ALUR_PAYLOAD_KEY must be set in production")
        if self.personal_ref_key.get_secret_value() == _DEV_PERSONAL_REF_KEY:
            raise RuntimeError("ALUR_PERSONAL_REF_KEY must be set in production")
        if self.skala_waktu != 1:
            raise RuntimeError("ALUR_SKALA_WAKTU is for development: production runs at 1")
        if self.kalender.selalu_kerja:
            raise RuntimeError("ALUR_KALENDER__SELALU_KERJA is for tests, not production")


@lru_cache
def get_settings() -> Settings:
    """The process's settings, read once."""
    return Settings()
