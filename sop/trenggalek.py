"""Kabupaten Trenggalek, SOP 07-6/SOP/1/2022 "Pemanfaatan Aplikasi Layanan" (Diskominfo).

Transcribed from ``sources/trenggalek_pemanfaatan_aplikasi.txt``. In English: functional staff
gather data for a plan to use a service application and analyse it; the Kasi formulates its
planning, implementation, monitoring and evaluation; the leadership reviews it (approved, or sent
back to be revised); the approval is acted on by providing the application, self-managed (swakelola)
or through a vendor (penyedia); and staff prepare the technical and administrative service.

The document's actor columns (Fungsional, Kasi, Kepala Bidang, Sekretaris, Kepala Dinas) lost their
tick marks in extraction; the actors below are the reading that fits each step's text (see SOPS.md
§3). Step 4's review passes Kepala Bidang and Sekretaris up to the Kepala Dinas, whose disposition
is the step's output, so the Kepala Dinas is its actor; step 5 acts on that disposition, so the
Kepala Bidang (with the Kasi) is its actor.

The document's Dasar Hukum cell is empty (the cell beside it holds the qualifications) and it names
no equipment and no warning: those fields are left empty rather than guessed.
"""

from datetime import timedelta

from sop.models import BACAAN_KERJA, Peran, Sop, SopIdentity, SopStep

_BAHAN = "Informasi tersusun sebagai bahan publikasi"
_BAHAN_DISETUJUI = "Informasi sebagai bahan publikasi yang telah disetujui pimpinan"

TRENGGALEK = Sop(
    kode="trenggalek-pemanfaatan-aplikasi",
    agensi="trenggalek-diskominfo",
    sumber="trenggalek_pemanfaatan_aplikasi.txt",
    identitas=SopIdentity(
        nomor="07-6/SOP/1/2022",
        nama="PEMANFAATAN APLIKASI LAYANAN",
        pemerintah="Kabupaten Trenggalek",
        instansi="Dinas Komunikasi dan Informatika Kabupaten Trenggalek",
        unit="Bidang Aplikasi dan Informatika",
        tanggal_pembuatan="21 Januari 2022",
        tanggal_revisi="",
        tanggal_efektif="Januari 2022",
        disahkan_oleh=(
            "Dinas Komunikasi dan Informatika Kabupaten Trenggalek, EDIF HAYUNAN SISWANTO, S.Sos, "
            "M.Si, NIP. 19710609 199201 1 002"
        ),
        dasar_hukum=(),
        kualifikasi_pelaksana=(
            "Memahami TIK",
            "Memahami pengelolaan website",
            "Memahami peraturan keterbukaan informasi publik",
            "Memahami tugas kehumasan",
        ),
        keterkaitan=("SOP Naskah Dinas Keluar", "SOP Pengarsipan Naskah Dinas Masuk/Keluar"),
        peralatan=(),
        pencatatan=(
            "Buku agenda naskah dinas masuk/keluar; Lembar disposisi; Bendel penyimpanan arsip "
            "naskah dinas masuk dan keluar"
        ),
    ),
    peran=(
        Peran(kode="fungsional", nama="Fungsional", atasan="kasi"),
        Peran(kode="kasi", nama="Kasi", atasan="kepala_bidang"),
        Peran(
            kode="kepala_bidang",
            nama="Kepala Bidang Aplikasi dan Informatika",
            atasan="sekretaris",
        ),
        Peran(kode="sekretaris", nama="Sekretaris Dinas", atasan="kepala_dinas"),
        Peran(
            kode="kepala_dinas",
            nama="Kepala Dinas Komunikasi dan Informatika",
            atasan=None,
        ),
    ),
    langkah=(
        SopStep(
            nomor=1,
            kode="pengumpulan_data",
            kegiatan="Menghimpun data dan informasi rencana pemanfaatan aplikasi",
            kegiatan_en="Gather data and information for the plan to use an application",
            pelaksana="fungsional",
            kelengkapan=("Informasi program, kegiatan dan isu publik",),
            waktu=timedelta(hours=30),
            waktu_teks="30 jam",
            jam="kerja",
            bacaan_waktu=BACAAN_KERJA,
            output="Data Informasi program, kegiatan dan isu publik",
        ),
        SopStep(
            nomor=2,
            kode="analisis",
            kegiatan=(
                "Melakukan telaah/rumusan pemanfaatan aplikasi sebagai bahan persetujuan pimpinan"
            ),
            kegiatan_en=(
                "Analyse and formulate the application's use as material for the leadership's "
                "approval"
            ),
            pelaksana="fungsional",
            kelengkapan=("Informasi program, kegiatan dan isu publik yang tersusun",),
            waktu=timedelta(days=1),
            waktu_teks="1 hari",
            jam="kerja",
            bacaan_waktu=BACAAN_KERJA,
            output=_BAHAN,
        ),
        SopStep(
            nomor=3,
            kode="perumusan",
            kegiatan=(
                "Melakukan telaah/rumusan perencanaan, pelaksanaan, monitoring dan evaluasi "
                "pemanfaatan aplikasi sebagai bahan persetujuan pimpinan"
            ),
            kegiatan_en=(
                "Formulate the planning, implementation, monitoring and evaluation of the "
                "application's use, for the leadership's approval"
            ),
            pelaksana="kasi",
            kelengkapan=(_BAHAN,),
            waktu=timedelta(minutes=15),
            waktu_teks="15 menit",
            jam="kerja",
            bacaan_waktu=BACAAN_KERJA,
            output=_BAHAN,
        ),
        SopStep(
            nomor=4,
            kode="telaah_pimpinan",
            kegiatan=(
                "Menelaah rumusan pemanfaatan aplikasi, jika YA disetujui untuk proses penyediaan "
                "aplikasi layanan, jika TIDAK diperbaiki"
            ),
            kegiatan_en=(
                "The leadership reviews the formulation: YES, approved for providing the service "
                "application; NO, sent back to be revised"
            ),
            pelaksana="kepala_dinas",
            kelengkapan=(_BAHAN,),
            waktu=timedelta(minutes=15),
            waktu_teks="15 menit",
            jam="kerja",
            bacaan_waktu=BACAAN_KERJA,
            output="disposisi persetujuan",
        ),
        SopStep(
            nomor=5,
            kode="tindak_lanjut",
            kegiatan=(
                "Menindaklanjuti persetujuan pimpinan untuk proses teknis dan administratif "
                "penyediaan aplikasi layanan melalui swakelola/penyedia"
            ),
            kegiatan_en=(
                "Act on the approval: the technical and administrative process of providing the "
                "application, self-managed (swakelola) or through a vendor (penyedia)"
            ),
            pelaksana="kepala_bidang",
            kelengkapan=(_BAHAN_DISETUJUI,),
            waktu=timedelta(minutes=15),
            waktu_teks="15 menit",
            jam="kerja",
            bacaan_waktu=BACAAN_KERJA,
            output=_BAHAN_DISETUJUI,
        ),
        SopStep(
            nomor=6,
            kode="penyiapan_layanan",
            kegiatan="Menyiapkan layanan teknis administratif",
            kegiatan_en="Prepare the technical and administrative service",
            pelaksana="fungsional",
            kelengkapan=("Informasi sebagai bahan publikasi", "media komunikasi"),
            waktu=timedelta(minutes=10),
            waktu_teks="10 menit",
            jam="kerja",
            bacaan_waktu=BACAAN_KERJA,
            output="Informasi yang telah terpublikasi",
        ),
    ),
)
