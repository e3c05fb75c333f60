"""Kota Magelang, SOP/555/517.1/320/2022 "Pengguna Aplikasi MAGESTY" (Diskominfostat).

Transcribed from ``sources/magelang_magesty.txt``. In English: a citizen installs MAGESTY (Magelang
Smart City) from the Play Store, registers, activates (by WhatsApp) and logs in; the Satker watches
the user count grow; the citizen picks a service in the app, the OPD that owns the service serves
them, and the served citizen answers a satisfaction survey.

The document's actor columns (Masyarakat, OPD Pemilik Layanan) lost their tick marks in extraction;
the actors below are the reading that fits each step's text (see SOPS.md §1). Step 3 names a Satker,
which has no column of its own: it is read as the unit that runs MAGESTY, the Bidang Teknologi
Informatika that issued the SOP. Superiors for escalation beyond the document's two columns (Kepala
Bidang, Kepala Dinas, Kepala OPD) are Alur's, from the usual chain of a dinas.
"""

from datetime import timedelta

from sop.models import BACAAN_KALENDER, BACAAN_KERJA, Peran, Sop, SopIdentity, SopStep

MAGELANG = Sop(
    kode="magelang-magesty",
    agensi="magelang-diskominfostat",
    sumber="magelang_magesty.txt",
    identitas=SopIdentity(
        nomor="SOP/555/517.1/320/2022",
        nama="PENGGUNA APLIKASI MAGESTY",
        pemerintah="Kota Magelang",
        instansi="Dinas Komunikasi Informatika dan Statistik Kota Magelang",
        unit="Bidang Teknologi Informatika",
        tanggal_pembuatan="04-Jul-22",
        tanggal_revisi="",
        tanggal_efektif="",
        disahkan_oleh=(
            "Kepala Dinas Komunikasi Informatika dan Statistik Kota Magelang, MUCHAMAD ABDUL AZIS, "
            "SH, Pembina Utama Muda, NIP. 19690724-199803 1 006"
        ),
        dasar_hukum=(
            "Undang-Undang No. 20 Tahun 2008 tentang Usaha Mikro, Kecil dan Menengah",
            "Undang-Undang Nomor 25 Tahun 2009 tentang Pelayanan Publik",
            "Peraturan Presiden Nomor 95 Tahun 2018 tentang Sistem Pemerintahan Berbasis "
            "Elektronik",
            "Peraturan Walikota Magelang Nomor 51 Tahun 2019 tentang Sistem Pemerintahan Berbasis "
            "Elektronik",
        ),
        # The qualification cell repeats the four legal bases (1-4) before its own item 5; only
        # item 5 is a qualification.
        kualifikasi_pelaksana=("Mampu mengoperasikan HP Android",),
        peralatan=("Handphone Android", "Email", "Nomor HP", "Jaringan Internet"),
        pencatatan="Catatan : Ka. Dinas, Sekretaris, Bid Teknologi Informatika",
    ),
    peran=(
        Peran(kode="masyarakat", nama="Masyarakat (pengguna MAGESTY)", atasan=None),
        Peran(
            kode="satker",
            nama="Satker pengelola MAGESTY (Bidang Teknologi Informatika)",
            atasan="kepala_bidang",
        ),
        Peran(
            kode="kepala_bidang",
            nama="Kepala Bidang Teknologi Informatika",
            atasan="kepala_dinas",
        ),
        Peran(
            kode="kepala_dinas",
            nama="Kepala Dinas Komunikasi Informatika dan Statistik",
            atasan=None,
        ),
        Peran(kode="opd", nama="OPD Pemilik Layanan", atasan="kepala_opd"),
        Peran(kode="kepala_opd", nama="Kepala OPD Pemilik Layanan", atasan=None),
    ),
    langkah=(
        SopStep(
            nomor=1,
            kode="instalasi_aplikasi",
            kegiatan="Pengguna menginsall aplikasi magesty dari Playstore",
            kegiatan_en="The user installs the MAGESTY app from the Play Store",
            pelaksana="masyarakat",
            kelengkapan=("HP Android",),
            waktu=timedelta(seconds=15),
            waktu_teks="15 Detik",
            jam="kalender",
            bacaan_waktu=BACAAN_KALENDER,
            output="Aplikasi Magesty terinstall di HP Pengguna",
            dalam_sistem=False,
        ),
        SopStep(
            nomor=2,
            kode="pendaftaran_akun",
            kegiatan="Pengguna melakukan Pendaftaran Akun dan Aktivasi serta login",
            kegiatan_en="The user registers an account, activates it (by WhatsApp) and logs in",
            pelaksana="masyarakat",
            kelengkapan=("HP Android / Akun WA",),
            waktu=timedelta(seconds=30),
            waktu_teks="30 Detik",
            jam="kalender",
            bacaan_waktu=BACAAN_KALENDER,
            output="Akun Magesty Pengguna",
        ),
        SopStep(
            nomor=3,
            kode="pemantauan_statistik",
            kegiatan="Satker memantau penambahan statistik jumlah pengguna",
            kegiatan_en="The Satker monitors the growth of the number of users",
            pelaksana="satker",
            kelengkapan=("Pc / Laptop",),
            waktu=timedelta(seconds=20),
            waktu_teks="20 Detik",
            jam="kerja",
            bacaan_waktu=BACAAN_KERJA,
            output="Laporan Statistik Pengguna Magesty",
        ),
        SopStep(
            nomor=4,
            kode="pemilihan_layanan",
            kegiatan="Pengguna memilih layanan fitur yang ada di magesty",
            kegiatan_en="The user picks a service feature in MAGESTY",
            pelaksana="masyarakat",
            kelengkapan=("HP Android",),
            waktu=timedelta(seconds=20),
            waktu_teks="20 Detik",
            jam="kalender",
            bacaan_waktu=BACAAN_KALENDER,
            output="Penggunaan Laynan OPD",
        ),
        SopStep(
            nomor=5,
            kode="pelayanan_opd",
            kegiatan="OPD melayani pengguna magesty",
            kegiatan_en="The OPD that owns the service serves the user",
            pelaksana="opd",
            kelengkapan=("Komputer", "Internet"),
            waktu=timedelta(seconds=60),
            waktu_teks="60 Detik",
            jam="kerja",
            bacaan_waktu=BACAAN_KERJA,
            output="Output masing-masing layanan OPD",
        ),
        SopStep(
            nomor=6,
            kode="survei_kepuasan",
            kegiatan="Pengguna terlayani",
            kegiatan_en="The user has been served and answers the satisfaction survey",
            pelaksana="masyarakat",
            kelengkapan=("HP Android",),
            waktu=timedelta(hours=15),
            waktu_teks="15 jam",
            jam="kalender",
            bacaan_waktu=BACAAN_KALENDER,
            output="Survey Kepuasan Layanan",
        ),
    ),
)
