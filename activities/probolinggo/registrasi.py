"""View Probolinggo registration's database work: the OTP check, the NIK and identity checks, the
account, and erasing the draft's personal data.

Each reads the personal data from the draft by registration id and answers with codes and field
names only, so nothing personal enters the workflow's history. Each is idempotent: a retried
``buat_akun`` finds the account it made; a retried ``hapus_data`` finds the draft already empty.

A Kota Probolinggo NIK is checked against the register (SIAK) whichever residency the citizen
chose: the non-resident path refuses it (``nik_warga_kota``). An account made without that check
(``siak_terverifikasi`` false: a non-resident's, or one made before the rule) never keeps the
register's owner of the NIK out: their verified registration passes the duplicate check and
replaces that account (see ``buat_akun``).
"""

from __future__ import annotations

import hmac
import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime

from pydantic import BaseModel
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.probolinggo.draft import lock_step, unlock_step
from activities.probolinggo.refs import nik_ref, otp_hash
from activities.probolinggo.siak import PopulationRegister, RegisterUnavailable
from alur.masking import mask_nik, mask_phone
from alur.nik import (
    TANGGAL_LAHIR_MASA_DEPAN,
    InvalidNik,
    fits_birth_date,
    latest_date_in_indonesia,
    parse_nik,
)
from db.base import utcnow
from db.models import AuditEvent, Notification
from db.probolinggo.models import ProbolinggoAccount, ProbolinggoRegistration
from db.session import transaction
from workflows.probolinggo.models import StatusWarga

ALASAN = {
    "struktur": "NIK harus 16 angka",
    "tanggal_lahir": "Tanggal lahir dalam NIK tidak valid",
    "nomor_urut": "Nomor urut NIK tidak boleh 0000",
    "wilayah": "Kode wilayah NIK tidak dikenal",
    "bukan_kota_probolinggo": (
        "NIK ini bukan NIK Kota Probolinggo: daftar sebagai warga luar kota, atau periksa NIK"
    ),
    "tidak_ada_di_siak": "NIK tidak ditemukan di data kependudukan (SIAK) Kota Probolinggo",
    "nik_warga_kota": (
        "NIK ini NIK Kota Probolinggo dan harus diperiksa di data kependudukan (SIAK): mulai "
        'registrasi baru dan pilih "Warga Kota Probolinggo"'
    ),
    "nik_terdaftar": "NIK ini sudah memiliki akun View Probolinggo",
    "identitas_tidak_sesuai": "Identitas tidak sesuai dengan NIK atau data kependudukan",
    "tanggal_lahir_masa_depan": TANGGAL_LAHIR_MASA_DEPAN,
    "nik_belum_diisi": "NIK belum diisi",
}
"""Each refusal code with the message the citizen sees."""

AKUN_DIGANTI = "akun_tidak_terverifikasi_diganti"
"""The audit event on a verified registration's case when it replaced an unverified account."""


class CocokkanOtpInput(BaseModel):
    """The proof of the code the citizen typed."""

    registration_id: str
    bukti: str


class PeriksaInput(BaseModel):
    """Check the draft's NIK or identity; ``pada`` is the workflow's now (birth-year century)."""

    registration_id: str
    status_warga: StatusWarga
    pada: datetime


class HasilPeriksa(BaseModel):
    """A check's outcome: accepted, or the refusal code (and for identity the fields that
    differ)."""

    diterima: bool
    alasan: str | None = None
    pesan: str | None = None
    tidak_sesuai: list[str] = []
    siak: bool = False
    """The NIK was found in the population register."""


class BuatAkunInput(BaseModel):
    """Create the account from the draft."""

    registration_id: str
    siak_terverifikasi: bool


class HapusDataInput(BaseModel):
    """End the registration: record how, and erase the draft's personal data."""

    registration_id: str
    status: str
    alasan: str | None
    pada: datetime


def _refuse(code: str, **kw: object) -> HasilPeriksa:
    return HasilPeriksa(diterima=False, alasan=code, pesan=ALASAN[code], **kw)


def normalise(text: str) -> str:
    """Case, accents, punctuation and spacing do not make two names differ."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    plain = re.sub(r"[^\w\s]", " ", plain.casefold())
    plain = re.sub(r"\bjalan\b", "jl", plain)
    return " ".join(plain.split())


def _place(text: str) -> str:
    return re.sub(r"^(kota|kabupaten|kab)\s+", "", normalise(text))


def _forget_refused_nik(s: Session, registration_id: str) -> None:
    """A refused NIK is not kept in the draft (it gave the registration nothing); only while its
    check still holds the lock, so a NIK written after the refusal stays."""
    t = ProbolinggoRegistration
    s.execute(
        update(t)
        .where(t.registration_id == registration_id, t.locked_step == "nik")
        .values(nik=None)
    )


class ProbolinggoRegistrationActivities:
    """Registration checks and records over the database and the population register."""

    def __init__(
        self, session_factory: sessionmaker[Session], register: PopulationRegister, ref_key: bytes
    ) -> None:
        self._sessions = session_factory
        self._register = register
        self._key = ref_key

    def _draft(self, s: Session, registration_id: str) -> ProbolinggoRegistration:
        draft = s.scalar(
            select(ProbolinggoRegistration).where(
                ProbolinggoRegistration.registration_id == registration_id
            )
        )
        if draft is None:
            raise ApplicationError(
                "Registrasi tidak ditemukan", type="RegistrationGone", non_retryable=True
            )
        return draft

    @activity.defn
    def cocokkan_otp(self, inp: CocokkanOtpInput) -> bool:
        """True when the proof matches the stored code; a matched code is spent."""
        with transaction(self._sessions) as s:
            draft = self._draft(s, inp.registration_id)
            stored = draft.otp_hash
            if stored is None or not hmac.compare_digest(stored, otp_hash(inp.bukti)):
                return False
            draft.otp_hash = None
            return True

    def _locked_check(
        self, step: str, inp: PeriksaInput, check: Callable[[PeriksaInput], HasilPeriksa]
    ) -> HasilPeriksa:
        """Lock the step's data (committed before it is read), check it, and unlock it when the
        check refuses or fails: an accepted step's data can no longer change."""
        with transaction(self._sessions) as s:
            lock_step(s, inp.registration_id, step)
        try:
            result = check(inp)
        except BaseException:
            with transaction(self._sessions) as s:
                unlock_step(s, inp.registration_id, step)
            raise
        if not result.diterima:
            with transaction(self._sessions) as s:
                if step == "nik":
                    _forget_refused_nik(s, inp.registration_id)
                unlock_step(s, inp.registration_id, step)
        return result

    @activity.defn
    def periksa_nik(self, inp: PeriksaInput) -> HasilPeriksa:
        """Step 7: structure, region, Kota Probolinggo and the register (a resident's NIK must be
        one and in it; a non-resident's must not be one), duplicates. A refused NIK is not kept."""
        return self._locked_check("nik", inp, self._periksa_nik)

    def _periksa_nik(self, inp: PeriksaInput) -> HasilPeriksa:
        with self._sessions() as s:
            raw = self._draft(s, inp.registration_id).nik
        if raw is None:
            return _refuse("nik_belum_diisi")
        try:
            nik = parse_nik(raw, today=latest_date_in_indonesia(inp.pada))
        except InvalidNik as err:
            return _refuse(err.problem.value)
        found = False
        if inp.status_warga == StatusWarga.warga_luar_kota and nik.kota_probolinggo:
            # the register must see every Kota Probolinggo NIK: the resident's path is the one
            # that checks it (else anyone could take a resident's NIK under any name)
            return _refuse("nik_warga_kota")
        if inp.status_warga == StatusWarga.warga_kota:
            if not nik.kota_probolinggo:
                return _refuse("bukan_kota_probolinggo")
            try:
                entry = self._register.find(nik.nik)
            except RegisterUnavailable as err:
                raise ApplicationError(
                    "Data kependudukan belum dapat dihubungi", type="RegisterUnavailable"
                ) from err
            if entry is None:
                return _refuse("tidak_ada_di_siak")
            found = True
        with self._sessions() as s:
            verified = s.scalar(
                select(ProbolinggoAccount.siak_terverifikasi).where(
                    ProbolinggoAccount.nik_ref == nik_ref(self._key, nik.nik)
                )
            )
        # An account the register never vouched for does not keep the register's owner out: a
        # verified registration goes on and replaces it (``buat_akun``).
        if verified is not None and (verified or not found):
            return _refuse("nik_terdaftar")
        return HasilPeriksa(diterima=True, siak=found)

    @activity.defn
    def periksa_identitas(self, inp: PeriksaInput) -> HasilPeriksa:
        """Step 8: the identity agrees with the NIK (birth date, sex) and, for a resident, with the
        register (name, place and date of birth, sex, address). Answers field names, not values."""
        return self._locked_check("identitas", inp, self._periksa_identitas)

    def _periksa_identitas(self, inp: PeriksaInput) -> HasilPeriksa:
        with self._sessions() as s:
            d = self._draft(s, inp.registration_id)
            nik_raw, nama, tempat, tgl, jk, alamat = (
                d.nik,
                d.nama,
                d.tempat_lahir,
                d.tanggal_lahir,
                d.jenis_kelamin,
                d.alamat,
            )
        if nik_raw is None:
            return _refuse("nik_belum_diisi")
        if nama is None or tempat is None or tgl is None or jk is None or alamat is None:
            return _refuse("identitas_tidak_sesuai", tidak_sesuai=["identitas_belum_lengkap"])
        today = latest_date_in_indonesia(inp.pada)
        if tgl > today:
            return _refuse("tanggal_lahir_masa_depan", tidak_sesuai=["tanggal_lahir"])
        nik = parse_nik(nik_raw, today=today)
        wrong: list[str] = []
        if not fits_birth_date(nik, tgl, today=today):
            wrong.append("tanggal_lahir")
        if jk != nik.jenis_kelamin:
            wrong.append("jenis_kelamin")
        if inp.status_warga == StatusWarga.warga_kota:
            entry = self._register.find(nik.nik)
            if entry is None:
                return _refuse("tidak_ada_di_siak")
            checks: list[tuple[str, bool]] = [
                ("nama", normalise(nama) == normalise(entry.nama)),
                ("tempat_lahir", _place(tempat) == _place(entry.tempat_lahir)),
                ("tanggal_lahir", tgl == entry.tanggal_lahir),
                ("jenis_kelamin", jk == entry.jenis_kelamin),
                ("alamat", normalise(alamat) == normalise(entry.alamat)),
            ]
            wrong += [field for field, ok in checks if not ok and field not in wrong]
        if wrong:
            return _refuse("identitas_tidak_sesuai", tidak_sesuai=wrong)
        return HasilPeriksa(diterima=True, siak=inp.status_warga == StatusWarga.warga_kota)

    @activity.defn
    def buat_akun(self, inp: BuatAkunInput) -> bool:
        """Step 9: the account, from the draft; False when the phone or NIK got an account in the
        meantime (another registration finished first). A SIAK-verified registration replaces an
        unverified account of its NIK (see ``_replace_unverified``); nothing else replaces one."""
        with self._sessions() as s:
            done = s.scalar(
                select(ProbolinggoAccount.id).where(
                    ProbolinggoAccount.registration_id == inp.registration_id
                )
            )
            if done is not None:
                return True
            d = self._draft(s, inp.registration_id)
            fields = (d.phone, d.nik, d.nama, d.tempat_lahir, d.tanggal_lahir)
            if any(f is None for f in fields) or d.password_hash is None:
                raise ApplicationError(
                    "Data registrasi tidak lengkap", type="RegistrationGone", non_retryable=True
                )
            assert isinstance(d.tanggal_lahir, date)
            assert d.nik is not None
            account = ProbolinggoAccount(
                registration_id=d.registration_id,
                phone=d.phone,
                nik_ref=nik_ref(self._key, d.nik),
                nik_tersamar=mask_nik(d.nik),
                nama=d.nama,
                tempat_lahir=d.tempat_lahir,
                tanggal_lahir=d.tanggal_lahir,
                jenis_kelamin=d.jenis_kelamin,
                alamat=d.alamat,
                status_warga=d.status_warga,
                siak_terverifikasi=inp.siak_terverifikasi,
                password_hash=d.password_hash,
            )
        try:
            with transaction(self._sessions) as s:
                if inp.siak_terverifikasi:
                    self._replace_unverified(s, account)
                s.add(account)
        except IntegrityError:
            return False
        return True

    def _replace_unverified(self, s: Session, account: ProbolinggoAccount) -> None:
        """Close the unverified account of ``account``'s NIK, if there is one, and add ``account``
        in its place, in the caller's transaction; the verified registration's case trail says so
        (``AKUN_DIGANTI``: the closed account's registration id, nothing personal).

        Closed means deleted: the account table has no status to close a row by, the NIK is unique
        to one account, and nothing of the row (a number, a password, a name the register never
        vouched for) belongs to the NIK's owner. It is not taken over in place, as its id is what
        its holder's login tokens name. Its NIK is moved aside first so the new account is inserted
        while it still exists, and so gets a larger id on every database (SQLite would give the
        largest id again after a delete): a token of the closed account never opens the new one.
        """
        old = s.scalar(
            select(ProbolinggoAccount)
            .where(
                ProbolinggoAccount.nik_ref == account.nik_ref,
                ProbolinggoAccount.siak_terverifikasi.is_(False),
            )
            .with_for_update()
        )
        if old is None:
            return
        closed = old.registration_id
        s.execute(
            update(ProbolinggoAccount)
            .where(ProbolinggoAccount.id == old.id)
            .values(nik_ref=f"diganti-{old.id}")
        )
        s.add(account)
        s.flush()
        s.delete(old)
        workflow_id = activity.info().workflow_id
        s.add(
            AuditEvent(
                event_key=f"{workflow_id}/registrasi_berhasil/0/{AKUN_DIGANTI}",
                workflow_id=workflow_id,
                case_number=account.registration_id,
                step="registrasi_berhasil",
                event=AKUN_DIGANTI,
                detail={"registrasi_akun_diganti": closed, "siak": True},
                at=utcnow(),
            )
        )

    @activity.defn
    def hapus_data(self, inp: HapusDataInput) -> None:
        """End the registration and erase the draft's personal data, and the OTP texts and numbers
        in the notification log (the account, if one was made, keeps what it needs)."""
        with transaction(self._sessions) as s:
            d = self._draft(s, inp.registration_id)
            if d.erased_at is None:
                d.status = inp.status
                d.end_reason = inp.alasan
                d.ended_at = inp.pada
                d.erased_at = inp.pada
                d.phone = d.password_hash = d.otp_hash = d.nik = None
                d.nama = d.tempat_lahir = d.jenis_kelamin = d.alamat = None
                d.tanggal_lahir = None
                d.client_ref = None
            for row in s.scalars(
                select(Notification).where(
                    Notification.case_number == inp.registration_id, Notification.purpose == "otp"
                )
            ):
                row.recipient = row.recipient_masked or mask_phone(row.recipient)
                row.body = "[dihapus: kode OTP registrasi]"
