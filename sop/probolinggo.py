"""Kota Probolinggo, SOP 025/425.113/2019 "Registrasi View Probolinggo" (Diskominfo).

Transcribed from ``sources/probolinggo_registrasi.txt``. In English: a citizen installs View
Probolinggo from Google Play, chooses Register, says whether they live in the city or not, enters a
phone number, a password, the OTP sent by SMS, their NIK (checked against SIAK) and identity, the
registration succeeds, and they log in with the registered number and password. The document gives
step 10 (login) no time standard.

Every step is the citizen's: the document's only actor columns are Warga Kota Probolinggo and Warga
Luar Kota, and which of the two acts is the citizen's own choice at step 3, so steps name ``warga``
and the two columns are kept as roles of their own. The Admin is Diskominfo's officer who owns the
registrations in Alur (and the Kepala Dinas above them); the document names neither.

The identity block's qualifications, warning and records speak of performance data (data kinerja):
the document carries them over from another SOP, and they are transcribed as written.
"""

from datetime import timedelta

from sop.models import BACAAN_KALENDER, Peran, Sop, SopIdentity, SopStep

_1_MENIT = timedelta(minutes=1)
_2_MENIT = timedelta(minutes=2)
_10_DETIK = timedelta(seconds=10)

PROBOLINGGO = Sop(
    kode="probolinggo-registrasi",
    agensi="probolinggo-diskominfo",
    sumber="probolinggo_registrasi.txt",
    identitas=SopIdentity(
        nomor="025/425.113/2019",
        nama="REGISTRASI VIEW PROBOLINGGO",
        pemerintah="Kota Probolinggo",
        instansi="Dinas Komunikasi dan Informatika Kota Probolinggo",
        tanggal_pembuatan="20 Mei 2019",
        tanggal_revisi="",
        tanggal_pengesahan="20 Mei 2019",
        disahkan_oleh=(
            "Kepala Dinas Komunikasi Dan Informatika Kota Probolinggo, AMAN SURYAMAN, AP., MM, "
            "Pembina Tingkat I, NIP. 19751206 199412 1 001"
        ),
        dasar_hukum=(
            "UU No. 17 Tahun 2003 tentang Keuangan Negara",
            "UU No. 25 Tahun 2009 tentang Pelayanan Publik",
            "PP No. 8 Tahun 2006 tentang Pelaporan Keuangan dan Kinerja Instansi Pemerintah",
            "Inpres No.7 Tahun 1999 tentang Akuntabilitas Instansi Pemerintah",
            "Perpres No. 29 Tahun 2014 tentang Sistem Akuntabilitas Instansi Pemerintah",
            "Permenpan RB RI No Kep-135/M.PPAN/9/2004 tentang Pedoman Evaluasi LkjiP",
            "Permenpan RB RI No. 35 Tahun 2012 tentang Pedoman Penyusunan SOP Administrasi "
            "Pemerintah",
            "Permenpan RB RI No. 53 Tahun 2014 tentang Pedoman Petunjuk Teknis Perjanjian Kinerja, "
            "Pelaporan Kinerja dan Tata cara Reviu atas Laporan Instansi Pemerintah",
            "Peraturan Daerah Kota Probolinggo Nomor 7 Tahun 2016 tentang Pembentukan dan Susunan "
            "Perangkat Daerah.",
            "Peraturan Walikota Probolinggo Nomor 96 Tahun 2016 Tentang Kedudukan, Susunan "
            "Organisasi, Uraian Tugas dan Fungsi Serta Tata Kerja Dinas Komunikasi dan Informatika "
            "Kota Probolinggo.",
        ),
        kualifikasi_pelaksana=(
            "Memiliki kewenangan dalam pengumpulan data Kinerja",
            "Memahami peraturan perundangan terkait data kinerja",
            "Memiliki kemampuan dalam menyusun pengumpulan data kinerja.",
        ),
        keterkaitan=(),
        peralatan=(
            "Handphone",
            "Jaringan Internet",
            "Email",
            "Nomor Handphone Aktif",
            "Telepon",
        ),
        peringatan=(
            "Pengumpulan data Kinerja Dinas Komunikasi dan Informatika akan dijadikan sebagai "
            "pedoman dan acuan dalam pelaksanaan tugas pokok dan fungsi untuk satu tahun anggaran. "
            "Apabila tidak dilaksanakan sesuai SOP, maka proses pengumpulan data Kinerja ini tidak "
            "akan berjalan lancar"
        ),
        pencatatan=(
            "Rumusan rencana program dan kegiatan dan anggaran Dinas Kominfo untuk periode satu "
            "tahun anggaran; Disimpan sebagai data elektronik dan manual."
        ),
    ),
    peran=(
        Peran(kode="warga", nama="Warga (pendaftar View Probolinggo)", atasan=None),
        Peran(kode="warga_kota", nama="Warga Kota Probolinggo", atasan=None),
        Peran(kode="warga_luar_kota", nama="Warga Luar Kota Probolinggo", atasan=None),
        Peran(
            kode="admin",
            nama="Admin View Probolinggo (petugas Diskominfo)",
            atasan="kepala_dinas",
        ),
        Peran(
            kode="kepala_dinas",
            nama="Kepala Dinas Komunikasi dan Informatika",
            atasan=None,
        ),
    ),
    langkah=(
        SopStep(
            nomor=1,
            kode="instalasi_aplikasi",
            kegiatan="Instal View Probolinggo di Google Play",
            kegiatan_en="Install View Probolinggo from Google Play",
            pelaksana="warga",
            kelengkapan=("Handphone Android", "Jaringan Internet"),
            waktu=timedelta(minutes=5),
            waktu_teks="5 menit",
            jam="kalender",
            bacaan_waktu=BACAAN_KALENDER,
            output="View Probolinggo Terinstal",
            dalam_sistem=False,
        ),
        SopStep(
            nomor=2,
            kode="pilih_daftar",
            kegiatan="Pilih Menu Register / Daftar",
            kegiatan_en="Choose the Register (Daftar) menu",
            pelaksana="warga",
            kelengkapan=("Jaringan Internet",),
            waktu=_10_DETIK,
            waktu_teks="10 detik",
            jam="kalender",
            bacaan_waktu=BACAAN_KALENDER,
            output="Menu selanjutnya",
        ),
        SopStep(
            nomor=3,
            kode="pilih_status_warga",
            kegiatan="Pilih Warga Kota Probolinggo / Warga Luar Kota Probolinggo",
            kegiatan_en="Choose city resident or non-resident of Kota Probolinggo",
            pelaksana="warga",
            kelengkapan=("Jaringan Internet",),
            waktu=_10_DETIK,
            waktu_teks="10 detik",
            jam="kalender",
            bacaan_waktu=BACAAN_KALENDER,
            output="Menu selanjutnya",
        ),
        SopStep(
            nomor=4,
            kode="nomor_telepon",
            kegiatan="Masukkan Nomor Handphone",
            kegiatan_en="Enter the mobile phone number",
            pelaksana="warga",
            kelengkapan=("Nomor HP Aktif",),
            waktu=_1_MENIT,
            waktu_teks="1 Menit",
            jam="kalender",
            bacaan_waktu=BACAAN_KALENDER,
            output="Data Nomor HP Tercatat di Sistem",
        ),
        SopStep(
            nomor=5,
            kode="kata_sandi",
            kegiatan="Masukkan Password",
            kegiatan_en="Enter a password",
            pelaksana="warga",
            kelengkapan=(),
            waktu=_1_MENIT,
            waktu_teks="1 Menit",
            jam="kalender",
            bacaan_waktu=BACAAN_KALENDER,
            output="",
        ),
        SopStep(
            nomor=6,
            kode="otp",
            kegiatan="Masukkan Kode OTP Yang dikirim melalui SMS",
            kegiatan_en="Enter the OTP code sent by SMS",
            pelaksana="warga",
            kelengkapan=("Pulsa SMS Gateway",),
            waktu=_1_MENIT,
            waktu_teks="1 Menit",
            jam="kalender",
            bacaan_waktu=BACAAN_KALENDER,
            output="",
        ),
        SopStep(
            nomor=7,
            kode="nik",
            kegiatan="Masukkan Nomor Induk Kependudukan",
            kegiatan_en="Enter the NIK (national ID number)",
            pelaksana="warga",
            kelengkapan=("eKTP / KK",),
            waktu=_2_MENIT,
            waktu_teks="2 menit",
            jam="kalender",
            bacaan_waktu=BACAAN_KALENDER,
            output="Data Siak Tercatat",
        ),
        SopStep(
            nomor=8,
            kode="identitas",
            kegiatan="Masukkan Identitas Diri",
            kegiatan_en="Enter personal identity data",
            pelaksana="warga",
            kelengkapan=("eKTP / KK",),
            waktu=_2_MENIT,
            waktu_teks="2 menit",
            jam="kalender",
            bacaan_waktu=BACAAN_KALENDER,
            output="Data Tercatat di Sistem",
        ),
        SopStep(
            nomor=9,
            kode="registrasi_berhasil",
            kegiatan="Registrasi Berhasil",
            kegiatan_en="Registration succeeds",
            pelaksana="warga",
            kelengkapan=("Jaringan Internet",),
            waktu=timedelta(minutes=15),
            waktu_teks="15 Menit",
            jam="kalender",
            bacaan_waktu=BACAAN_KALENDER,
            output="",
        ),
        SopStep(
            nomor=10,
            kode="login",
            kegiatan="Log In dengan Nomor HP dan Password yang didaftarkan",
            kegiatan_en="Log in with the registered phone number and password",
            pelaksana="warga",
            kelengkapan=("Jaringan Internet",),
            waktu=None,
            waktu_teks="",
            jam="kalender",
            bacaan_waktu=BACAAN_KALENDER,
            output="View Probolinggo Siap Digunakan",
        ),
    ),
)
