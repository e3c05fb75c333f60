"""Kota Malang, SOP no. 15 "Pengelolaan Teknologi Informasi" (Bagian Pemerintahan, Setda).

Transcribed from ``sources/malang_pengelolaan_tik.txt``. In English: the section receives
complaints (pengaduan), suggestions (saran) and information requests (permintaan informasi) from the
public, the Kabag dispositions each to a Kasubag, who orders staff to draft a response, reviews it
(any number of revise rounds) and the ICT officer delivers it. Every step's time standard is 15
minutes.

The document's actor columns lost their tick marks in extraction; the actors below are the reading
that fits each step's text (see SOPS.md §2).
"""

from datetime import timedelta

from sop.models import BACAAN_KERJA, Peran, Sop, SopIdentity, SopStep

_15_MENIT = timedelta(minutes=15)

MALANG = Sop(
    kode="malang-pengelolaan-tik",
    agensi="malang-bagpem",
    sumber="malang_pengelolaan_tik.txt",
    identitas=SopIdentity(
        nomor="15",
        nama="Pengelolaan Teknologi Informasi",
        pemerintah="Kota Malang",
        instansi="Bagian Pemerintahan Sekretariat Daerah Kota Malang",
        tanggal_pembuatan="29 April 2021",
        tanggal_revisi="-",
        tanggal_pengesahan="April 2021",
        disahkan_oleh=(
            "Kepala Bagian Pemerintahan, Drs. FAHMI FAUZAN, A.Z., M.Si., Pembina Tk I, "
            "NIP. 19681123 199403 1 008"
        ),
        dasar_hukum=(
            "Peraturan Daerah Kota Malang Nomor 7 Tahun 2016 tentang Pembentukan dan Susunan "
            "Perangkat Daerah",
            "Peraturan Walikota Malang Nomor 59 tahun 2019 tentang Kedudukan, Susunan Organisasi, "
            "Tugas, dan Fungsi serta Tata Kerja Sekretariat Daerah",
        ),
        kualifikasi_pelaksana=(
            "Sarjana Teknik (Teknik Informatika, Teknik Komputer, Teknik Elektronika)",
            "Memiliki kemampuan dalam mengoperasikan komputer dalam jaringan dan website",
            "Memiliki kemampuan dalam mengidentifikasi permasalahan jaringan website, dan "
            "peralatan pendukungnya",
            "Memiliki kemampuan dalam penulisan artikel dan penyampaian informasi melalui website",
            "Memiliki kemampuan bekerja tepat waktu",
        ),
        keterkaitan=("SOP Penanganan Keluhan Pelanggan",),
        peralatan=(
            "Komputer, jaringan internet, website, router, scanner",
            "Peraturan Perundang-undangan terkait",
            "Lembar kerja, rencana kerja",
        ),
        peringatan=(
            "Apabila tidak dilakukan penyempurnaan Tugas dan Fungsi Perangkat Daerah, maka akan "
            "dapat terjadi ketidaksesuaian dengan peraturan perundang-undangan terkait, serta "
            "kebutuhan Perangkat Daerah."
        ),
        pencatatan="Disimpan dalam bentuk file softcopy pada cloud memori.",
    ),
    peran=(
        Peran(kode="pengelola_tik", nama="Pengelola TIK", atasan="kasubag"),
        Peran(kode="pelaksana", nama="Pelaksana (staf Subbagian)", atasan="kasubag"),
        Peran(kode="kasubag", nama="Kasubag Pemerintahan Umum", atasan="kabag"),
        Peran(kode="kabag", nama="Kabag Pemerintahan", atasan="sekda"),
        Peran(kode="sekda", nama="Sekretaris Daerah", atasan=None),
    ),
    langkah=(
        SopStep(
            nomor=1,
            kode="penerimaan",
            kegiatan=(
                "a. Bagian Pemerintahan menerima pengaduan/saran/permintaan informasi dari "
                "pengguna layanan (masyarakat) melalui website, media sosial, dan sambat online "
                "b. Menelusuri informasi baru dari kemendagri RI mengenai Administrasi "
                "Pemerintahan, Otonomi Daerah, Administrasi Kecamatan dan Kelurahan."
            ),
            kegiatan_en=(
                "Receive complaints, suggestions and information requests from the public through "
                "the website, social media and Sambat Online; track new information from the "
                "Ministry of Home Affairs"
            ),
            pelaksana="pengelola_tik",
            kelengkapan=("Info masuk", "Printout informasi masuk"),
            waktu=_15_MENIT,
            waktu_teks="15 menit",
            jam="kerja",
            bacaan_waktu=BACAAN_KERJA,
            output="Info yang masuk melalui website Bagian Pemerintahan",
            keterangan=(
                "Jenis inputan (masukan) dari pelanggan dapat berupa: Permintaan informasi, Saran, "
                "Pengaduan dll"
            ),
        ),
        SopStep(
            nomor=2,
            kode="disposisi",
            kegiatan=(
                "Kepala Bagian menerima informasi dari Pengelola TIK dan mendisposisikan kepada "
                "Kasubag terkait untuk menindaklanjuti sesuai dengan peraturan yang berlaku."
            ),
            kegiatan_en=(
                "The Kabag receives the item and dispositions it to the responsible Kasubag"
            ),
            pelaksana="kabag",
            kelengkapan=("Disposisi",),
            waktu=_15_MENIT,
            waktu_teks="15 menit",
            jam="kerja",
            bacaan_waktu=BACAAN_KERJA,
            output="disposisi",
        ),
        SopStep(
            nomor=3,
            kode="perintah",
            kegiatan=(
                "Memerintahkan Pelaksana untuk menyiapkan materi atau bahan sebagai tanggapan"
            ),
            kegiatan_en="The Kasubag orders the executing staff to prepare material for a response",
            pelaksana="kasubag",
            kelengkapan=("Disposisi",),
            waktu=_15_MENIT,
            waktu_teks="15 menit",
            jam="kerja",
            bacaan_waktu=BACAAN_KERJA,
            output="disposisi",
        ),
        SopStep(
            nomor=4,
            kode="draf_tanggapan",
            kegiatan=(
                "Menghimpun dan mengidentifikasi informasi yang masuk dan menyiapkan draf tanggapan"
            ),
            kegiatan_en="Staff gather and identify the information and prepare a draft response",
            pelaksana="pelaksana",
            kelengkapan=("Disposisi",),
            waktu=_15_MENIT,
            waktu_teks="15 menit",
            jam="kerja",
            bacaan_waktu=BACAAN_KERJA,
            output="Materi pendukung",
        ),
        SopStep(
            nomor=5,
            kode="pengajuan_draf",
            kegiatan=(
                "Menyampaikan draft tanggapan atas keluhan/ pertanyaan/ saran yang masuk kepada "
                "Kasubag untuk dapat diperiksa dan disetujui"
            ),
            kegiatan_en="Staff submit the draft response to the Kasubag for review and approval",
            pelaksana="pelaksana",
            kelengkapan=("Draft tanggapan dan jawaban",),
            waktu=_15_MENIT,
            waktu_teks="15 menit",
            jam="kerja",
            bacaan_waktu=BACAAN_KERJA,
            output="Draft yang telah cek",
        ),
        SopStep(
            nomor=6,
            kode="telaah",
            kegiatan=(
                "Memeriksa draft. Apabila disetujui, maka draft yang telah diperiksa diberikan "
                "kepada staf untuk langkah lebih lanjut. Apabila tidak maka perlu direvisi sebelum "
                "dilakukan langkah lebih lanjut."
            ),
            kegiatan_en=(
                "The Kasubag reviews the draft: approved, it goes on; not approved, it is revised "
                "first"
            ),
            pelaksana="kasubag",
            kelengkapan=("Draft yang telah cek Kasubag",),
            waktu=_15_MENIT,
            waktu_teks="15 menit",
            jam="kerja",
            bacaan_waktu=BACAAN_KERJA,
            output="Draft final yang telah melalui tahap cek dan revisi",
        ),
        SopStep(
            nomor=7,
            kode="penyampaian",
            kegiatan="Petugas TIK menyampaikan tanggapan",
            kegiatan_en="The ICT officer delivers the response to the citizen",
            pelaksana="pengelola_tik",
            kelengkapan=("Draft final",),
            waktu=_15_MENIT,
            waktu_teks="15 menit",
            jam="kerja",
            bacaan_waktu=BACAAN_KERJA,
            output="Tanggapan",
        ),
    ),
)
