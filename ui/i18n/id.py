"""Teks dasbor dalam Bahasa Indonesia. Kuncinya sama dengan en.py; `{nama}` diisi oleh halaman."""

TEXTS: dict[str, str] = {
    # -- aplikasi, navigasi ---------------------------------------------------------------------
    "app.title": "MVDB Backup & Restore",
    "nav.backup": "Backup",
    "nav.restore": "Restore",
    "nav.migration": "Migrasi",
    "nav.statistics": "Statistik",
    # -- login ----------------------------------------------------------------------------------
    "login.intro": "Dasbor admin untuk database MVDB. Masuk dengan kata sandi admin.",
    "login.password": "Kata sandi admin",
    "login.submit": "Masuk",
    "login.empty": "Ketik kata sandi admin terlebih dahulu.",
    "login.wrong": "Kata sandi salah. Demi keamanan, percobaan berikutnya baru bisa dalam {seconds} detik "
                   "(waktu tunggu bertambah setiap kali gagal, dari browser mana pun).",
    "login.locked": "Terlalu banyak percobaan gagal: tunggu {seconds} detik, lalu coba lagi.",
    "login.bad_hash": "Kata sandi admin sudah diatur, tetapi nilainya bukan hash argon2 yang valid (mungkin yang "
                      "ditempel adalah kata sandinya, bukan hash-nya). Tidak ada yang bisa masuk sampai ini "
                      "diperbaiki.",
    "login.remote_without_password": "Dasbor ini belum punya kata sandi admin, dan Anda membukanya dari komputer "
                                     "lain. Untuk melindungi data, tidak ada yang ditampilkan.",
    "login.how_to_set": "**Cara memperbaikinya**\n\n"
                        "1. Di komputer yang menjalankan dasbor, jalankan `{command}` lalu ketik kata sandi baru "
                        "(minimal 8 karakter). Perintah itu mencetak hash yang diawali `$argon2id$`.\n"
                        "2. Simpan hash itu di `.streamlit/secrets.toml` sebagai `admin_password_hash = \"…\"` "
                        "(atau di variabel lingkungan `MVDB_ADMIN_PASSWORD_HASH`).\n"
                        "3. Jalankan ulang dasbor dan masuk dengan kata sandi tersebut.\n\n"
                        "Tanpa kata sandi, dasbor hanya bisa dibuka di komputer ini sendiri "
                        "(`http://127.0.0.1:8501`, diatur oleh `server.address` di `.streamlit/config.toml`).",
    "login.open_banner": "Belum ada kata sandi admin: dasbor ini hanya bisa dibuka di komputer ini. "
                         "Klik di sini untuk melihat cara mengaturnya.",
    "login.open_exposed": "Server ini juga mendengarkan alamat jaringan lain (`server.address` bukan 127.0.0.1). "
                          "Pengunjung dari komputer lain tidak melihat apa pun sampai kata sandi diatur.",
    # -- sidebar --------------------------------------------------------------------------------
    "sidebar.language": "Bahasa",
    "sidebar.store": "Penyimpanan terhubung",
    "sidebar.pick": "Penyimpanan",
    "sidebar.kind": "Jenis",
    "sidebar.project": "Proyek",
    "sidebar.host": "Host",
    "sidebar.file": "Berkas",
    "sidebar.table": "Tabel",
    "sidebar.rows": "Baris",
    "sidebar.table_missing": "Tabelnya belum ada di penyimpanan ini.",
    "sidebar.empty": "Penyimpanan ini tidak berisi data.",
    "sidebar.demo": "Muat data demo",
    "sidebar.demo_help": "Coba dasbor dengan sekitar {rows} baris data MVDB buatan yang realistis (film, aktris, "
                         "favorit, …). Hanya tersedia untuk penyimpanan bawaan yang masih kosong.",
    "sidebar.demo_running": "Menulis data demo…",
    "sidebar.demo_done": "{rows} baris demo ditulis",
    "sidebar.demo_failed": "Data demo tidak bisa ditulis",
    "sidebar.refresh": "Muat ulang",
    "sidebar.refresh_help": "Hitung ulang jumlah baris (setelah data diubah dari tempat lain).",
    "sidebar.logout": "Keluar",
    "conn.embedded": "SQLite bawaan",
    "conn.environment": "Variabel lingkungan",
    "conn.secrets": "Secrets",
    "conn.custom_sqlite": "SQLite lain",
    "conn.custom_postgresql": "PostgreSQL lain",
    "conn.custom_supabase": "Supabase lain",
    "kind.sqlite": "Bawaan (berkas SQLite)",
    "kind.postgresql": "PostgreSQL",
    "kind.supabase": "Supabase (Data API)",
    "kind.unknown": "Jenis penyimpanan tidak dikenal",
    "connect.title": "Hubungkan ke penyimpanan lain",
    "connect.kind": "Jenis penyimpanan",
    "connect.sqlite_path": "Berkas SQLite",
    "connect.sqlite_caption": "Path yang diawali / adalah path absolut (/home/saya/mvdb.sqlite3); path lain "
                              "relatif terhadap folder tempat dasbor berjalan. Sebagai URL: sqlite:///path/absolut "
                              "(tiga garis miring) atau sqlite://path/relatif.",
    "connect.pg_url": "Connection string",
    "connect.pg_help": "Di Supabase: Project Settings → Database → Connection string (URI). Isinya memuat kata "
                       "sandi database, jadi tidak akan pernah ditampilkan lagi.",
    "connect.supabase_url": "URL proyek atau project id",
    "connect.supabase_help": "Di Supabase: Project Settings → API → Project URL, misalnya https://abcd….supabase.co",
    "connect.key": "API key",
    "connect.key_help": "Key service_role bisa membaca semua baris. Anon key biasanya tidak melihat apa pun, "
                        "karena tabelnya dilindungi row-level security.",
    "connect.table": "Tabel",
    "connect.button": "Hubungkan",
    "connect.need_address": "Isi alamat penyimpanan terlebih dahulu.",
    "connect.need_key": "Isi API key proyek Supabase.",
    # -- kategori dan kelompok ------------------------------------------------------------------
    "cat.movies": "Film",
    "cat.sc_movies": "Film SC",
    "cat.actors": "Aktor",
    "cat.actresses": "Aktris",
    "cat.directors": "Sutradara",
    "cat.studios": "Studio",
    "cat.series": "Seri",
    "cat.labels": "Label",
    "cat.groups": "Grup",
    "cat.tags": "Tag",
    "cat.types": "Tipe",
    "cat.link_labels": "Label tautan",
    "cat.generations": "Generasi",
    "cat.lineups": "Lineup",
    "cat.photobooks": "Photobook",
    "cat.favorites": "Favorit",
    "cat.movie_links": "Tautan film",
    "cat.movie_type_colors": "Warna tipe film",
    "cat.templates": "Template",
    "cat.settings": "Pengaturan",
    "cat.saved_galleries": "Galeri tersimpan",
    "cat.other": "Lainnya",
    "group.Total": "Total",
    "group.Movies": "Film",
    "group.Master data": "Master data",
    "group.Favorites": "Favorit",
    "group.Photobooks": "Photobook",
    "group.Movie links": "Tautan film",
    "group.Movie type colors": "Warna tipe film",
    "group.Templates": "Template",
    "group.Settings": "Pengaturan",
    "group.Other app data": "Data aplikasi lain",
    "group.Other": "Lainnya",
    "master.actor": "Aktor",
    "master.actress": "Aktris",
    "master.director": "Sutradara",
    "master.studio": "Studio",
    "master.series": "Seri",
    "master.label": "Label",
    "master.group": "Grup",
    "master.tag": "Tag",
    "master.type": "Tipe",
    "master.linklabel": "Label tautan",
    "master.generation": "Generasi",
    "master.lineup": "Lineup",
    "fav.movie": "Film",
    "fav.image": "Gambar",
    "fav.cast": "Pemeran",
    "fav.series": "Seri",
    "fav.photobook": "Photobook",
    "fav.unknown": "Tidak diketahui",
    # -- kolom tabel ----------------------------------------------------------------------------
    "col.category": "Kategori",
    "col.group": "Kelompok",
    "col.rows": "Baris",
    "col.bytes": "Byte",
    "col.done": "Selesai",
    "col.total": "Total",
    "col.status": "Status",
    "col.added": "Ditambah",
    "col.changed": "Diubah",
    "col.unchanged": "Tidak berubah",
    "col.extra": "Hanya di penyimpanan",
    "col.difference": "Selisih",
    "col.type": "Tipe",
    "col.year": "Tahun rilis",
    "col.movies": "Film",
    "col.key": "Key",
    # -- upload, progres ---------------------------------------------------------------------------
    "upload.earlier": "Berkas backup: {file} (di-upload sebelumnya).",
    "upload.forget": "Hapus",
    "upload.forget_help": "Lupakan berkas ini (berkasnya dihapus dari server).",
    "progress.of": "{stage}: {done} dari {total} baris",
    "stage.backup": "Mem-backup",
    "stage.plan": "Membandingkan berkas dengan penyimpanan",
    "stage.write": "Menulis",
    "stage.verify": "Memverifikasi baris demi baris",
    "stage.digest": "Menghitung digest isi",
    "stage.source_digest": "Membaca ulang sumber",
    "stage.demo": "Menulis data demo",
    "stage.snapshot": "Mengambil snapshot",
    "stage.export": "Membaca snapshot",
    # -- backup ---------------------------------------------------------------------------------
    "backup.title": "Backup",
    "backup.intro": "Simpan semua baris database ke dalam satu berkas, mvdb-backup-YYYY-MM-DD.json. Paket gratis "
                    "Supabase tidak membuat backup, dan proyek yang dijeda bisa hilang: simpan berkas ini di "
                    "tempat yang aman.",
    "backup.source": "Mem-backup **{store}**, tabel {table}.",
    "backup.create": "Buat Backup Data",
    "backup.running": "Membuat backup…",
    "backup.counting": "Menghitung baris per kategori…",
    "backup.progress": "{done} dari {total} baris",
    "backup.done": "Backup selesai: {rows} baris",
    "backup.failed": "Backup gagal",
    "backup.ready": "Backup siap: {rows} baris di {file}.",
    "backup.download": "Download Backup",
    "backup.saved_at": "Salinannya tetap ada di server, di {path} (sha256 {sha}…).",
    "backup.summary": "Ringkasan",
    "backup.tips": "Tips: buat backup setiap minggu atau bulan dan sebelum setiap pembaruan; simpan salinan di "
                   "dua tempat (cloud storage, drive eksternal); sesekali uji restore di halaman Restore.",
    "backup.table_missing": "Tabel {table} tidak ada di penyimpanan ini, jadi tidak ada yang bisa di-backup.",
    "backup.missing_reason": "**Rincian:** {reason}",
    "backup.table_missing_todo_sqlite": "**Yang perlu dilakukan:** ini penyimpanan bawaan dan masih kosong. Muat "
                                        "data demo dari sidebar, restore berkas backup di halaman Restore, atau "
                                        "hubungkan ke proyek Supabase Anda di sidebar.",
    "backup.table_missing_todo_remote": "**Yang perlu dilakukan:** periksa nama tabel di sidebar (MVDB memakai "
                                        "`kv_store_cd38bf14`) dan pastikan Anda terhubung ke proyek yang benar. Di "
                                        "proyek baru, buat tabelnya dulu (halaman Migrasi, langkah 2).",
    "backup.empty": "Tabel {table} mengembalikan **0 baris**. Backup tidak dibuat: backup kosong akan terlihat "
                    "valid padahal tidak menyimpan apa pun.",
    "backup.empty_reason": "**Penyebab:** {reason}",
    "backup.empty_todo_sqlite": "**Yang perlu dilakukan:** muat data demo dari sidebar, atau restore berkas "
                                "backup.",
    "backup.empty_todo_remote": "**Yang perlu dilakukan:** tabel MVDB dilindungi row-level security, sehingga "
                                "**anon key tidak melihat baris apa pun**. Hubungkan dengan **key service_role** "
                                "(Supabase → Project Settings → API) atau dengan connection string database, lalu "
                                "coba lagi.",
    # -- restore --------------------------------------------------------------------------------
    "restore.title": "Restore",
    "restore.intro": "Kembalikan data dari berkas backup ke penyimpanan yang terhubung. Berkas diperiksa "
                     "seluruhnya terlebih dahulu; Anda melihat persis apa yang akan berubah sebelum ada yang "
                     "ditulis; nilai yang tertimpa disimpan dalam snapshot pengaman.",
    "restore.target": "Restore ke **{store}**, tabel {table} (ganti di sidebar).",
    "restore.upload": "Upload File Backup (.json, .json.zst, .json.gz, .age)",
    "restore.upload_help": "Berkas buatan dasbor ini, `python -m mvdb_core backup`, atau fitur Backup & Restore "
                           "bawaan MVDB (versi 2.0.0). Hingga 1 GB.",
    "restore.no_file": "Pilih berkas backup untuk memulai. Tidak ada yang ditulis sebelum Anda konfirmasi.",
    "restore.validating": "Memeriksa berkas…",
    "restore.invalid": "Berkas {file} tidak bisa di-restore: ini bukan backup MVDB yang utuh.",
    "restore.valid": "{file} adalah backup yang valid dengan {rows} baris.",
    "restore.empty_file": "Backup ini tidak berisi baris apa pun: tidak ada yang bisa di-restore.",
    "restore.metadata": "Tentang berkas ini",
    "restore.meta_date": "Dibuat (UTC)",
    "restore.meta_source": "Sumber",
    "restore.meta_version": "Versi format",
    "restore.meta_rows": "Baris",
    "restore.legacy_note": "Berkas ini dibuat oleh fitur backup bawaan MVDB (format 2.0.0). Fitur itu menyimpan "
                           "master data (aktris, studio, tag, …) dalam bentuk yang tidak bisa dibaca kembali oleh "
                           "aplikasi; dengan *perbaikan legacy* (aktif secara bawaan) baris-baris itu dikembalikan "
                           "sesuai yang diharapkan aplikasi.",
    "restore.options": "Pilihan",
    "restore.mode": "Mode",
    "restore.mode_merge": "Gabung (merge)",
    "restore.mode_mirror": "Cermin (mirror)",
    "restore.mode_merge_help": "Tulis baris dari backup; baris yang hanya ada di penyimpanan tetap ada.",
    "restore.mode_mirror_help": "Jadikan kategori yang dipilih persis sama dengan backup: baris yang tidak ada di "
                                "backup dihapus.",
    "restore.all_categories": "Semua kategori dalam berkas ({n})",
    "restore.categories": "Kategori",
    "restore.categories_help": "Restore sebagian kategori saja; kategori lain dibiarkan apa adanya.",
    "restore.legacy_repair": "Perbaikan legacy untuk master data",
    "restore.legacy_repair_help": "Hanya untuk berkas fitur backup bawaan MVDB (2.0.0): simpan master data "
                                  "sebagai teks JSON seperti yang diharapkan aplikasi.",
    "restore.remap": "Pemetaan ulang user id (opsional, satu LAMA=BARU per baris)",
    "restore.remap_help": "Di proyek Supabase baru, pengguna mendapat id baru. Favorit dan pengaturan per "
                          "pengguna milik id lama dipindahkan ke id baru.",
    "restore.no_categories": "Pilih minimal satu kategori.",
    "restore.plan_button": "Periksa apa yang akan berubah (uji coba)",
    "restore.planning": "Membandingkan berkas dengan penyimpanan…",
    "restore.plan_failed": "Pemeriksaan gagal",
    "restore.plan_outdated": "Pilihan berubah: periksa lagi apa yang akan berubah.",
    "restore.plan_title": "Yang akan berubah ({mode})",
    "restore.plan_title_done": "Yang diubah oleh restore ({mode})",
    "restore.plan_summary": "**{added}** baris akan ditambah, **{changed}** diubah; **{unchanged}** sudah sama; "
                            "**{extra}** baris hanya ada di penyimpanan.",
    "restore.extra_merge": "{extra} baris yang hanya ada di penyimpanan tidak disentuh (merge).",
    "restore.extra_mirror": "⚠️ {extra} baris yang hanya ada di penyimpanan akan **dihapus** (mirror). Baris itu "
                            "disimpan dalam snapshot pengaman.",
    "restore.repaired": "Perbaikan legacy: {n} baris master data akan disimpan sebagai teks JSON.",
    "restore.remapped": "Pemetaan pengguna: {keys} key per pengguna diganti nama, {values} nilai dengan user id "
                        "ditulis ulang.",
    "restore.nothing_to_do": "Penyimpanan sudah berisi persis backup ini: tidak ada yang perlu ditulis.",
    "restore.confirm": "Saya sudah memeriksa tabel di atas: tulis {writes} baris dan hapus {deletes} baris di "
                       "{table} pada {store}.",
    "restore.run": "Restore Data",
    "restore.running": "Sedang me-restore…",
    "restore.changed_since_plan": "Penyimpanan berubah sejak Anda memeriksa: tidak ada yang ditulis",
    "restore.changed_since_plan_help": "Ada yang mengubah penyimpanan setelah Anda memeriksa apa yang akan berubah. "
                                       "Tidak ada yang ditulis. Periksa lagi, lalu konfirmasi rencana yang baru.",
    "restore.failed": "Restore gagal",
    "restore.done": "Restore selesai dan terverifikasi",
    "restore.verified": "Restore selesai: {written} baris ditulis, {deleted} dihapus. **Verifikasi berhasil**: "
                        "setiap baris backup ada di penyimpanan dengan nilai yang sama.",
    "restore.snapshot_help": "Snapshot pengaman berisi nilai sebelumnya dari setiap baris yang tertimpa atau "
                             "dihapus. Restore snapshot itu (merge) untuk membatalkan.",
    "restore.snapshot_download": "Download snapshot pengaman",
    "restore.no_snapshot": "Tidak ada baris lama yang tertimpa, jadi snapshot pengaman tidak diperlukan.",
    "restore.see_statistics": "Bandingkan penyimpanan dengan backup di halaman Statistik",
    # -- statistik ------------------------------------------------------------------------------
    "stats.title": "Statistik",
    "stats.intro": "Isi penyimpanan yang terhubung dan berkas backup, berdampingan.",
    "stats.upload": "Berkas backup untuk dibandingkan (opsional; .json, terkompresi atau terenkripsi)",
    "stats.upload_help": "Upload backup untuk melihat statistiknya di samping statistik penyimpanan.",
    "stats.reading_store": "Membaca penyimpanan…",
    "stats.reading_backup": "Membaca berkas backup…",
    "stats.table_missing": "Tabel {table} tidak ada di penyimpanan yang terhubung.",
    "stats.nothing": "Belum ada yang bisa ditampilkan: hubungkan penyimpanan yang berisi data, atau upload berkas "
                     "backup.",
    "stats.side_store": "Penyimpanan: {store}",
    "stats.side_backup": "Backup: {file}",
    "stats.totals": "Total",
    "stats.size": "Ukuran nilai: {mb} MB",
    "stats.compare": "Perbandingan penyimpanan dan backup",
    "stats.same": "Penyimpanan dan backup berisi jumlah baris yang sama di setiap kategori.",
    "stats.differs": "Jumlah baris berbeda di {n} kategori.",
    "stats.col_store": "Penyimpanan",
    "stats.col_backup": "Backup",
    "stats.per_category": "Baris per kategori",
    "stats.master_and_favorites": "Master data dan favorit per tipe",
    "stats.master_by_type": "Master data per tipe",
    "stats.favorites_by_type": "Favorit per tipe",
    "stats.none": "Tidak ada.",
    "stats.years": "Film per tahun rilis",
    "stats.unknown": "tidak diketahui",
    "stats.largest": "Nilai terbesar",
    "stats.largest_help": "Baris dengan nilai paling besar (nilai yang sangat besar memperlambat aplikasi).",
    # -- migrasi --------------------------------------------------------------------------------
    "migration.title": "Migrasi",
    "migration.intro": "Pindahkan MVDB ke proyek Supabase baru, misalnya ketika proyek lama dijeda atau hampir "
                       "hilang.",
    "migration.guide_title": "Panduan langkah demi langkah",
    "migration.guide": "1. **Buat backup** proyek lama di halaman Backup dan simpan berkasnya.\n"
                       "2. **Buat proyek Supabase baru** di supabase.com. Catat **Project ID** (bagian `<id>` di "
                       "`https://<id>.supabase.co`) dan **Anon Key**-nya (Project Settings → API).\n"
                       "3. **Buat tabelnya**: jalankan SQL di bawah (berkas `01_create_table.sql` dari bundel) di "
                       "SQL Editor proyek baru. Aman dijalankan dua kali.\n"
                       "4. **Download bundel migrasi** (langkah 2 di halaman ini) lalu ekstrak.\n"
                       "5. **Arahkan aplikasi ke proyek baru**: di folder source code aplikasi MVDB jalankan "
                       "`python 02_update_app_config.py` (hanya menampilkan perubahan), lalu "
                       "`python 02_update_app_config.py --apply`.\n"
                       "6. **Deploy edge function**: jalankan `03_deploy_functions.sh` (memerlukan Supabase CLI).\n"
                       "7. **Salin datanya**: gunakan *Migrasi sekarang* di bawah, atau restore berkas backup ke "
                       "proyek baru di halaman Restore, atau jalankan `04_restore_data.sh`.\n"
                       "8. **Periksa**: verifikasi harus berhasil, dan halaman Statistik harus menunjukkan jumlah "
                       "yang sama untuk proyek baru dan untuk backup. Lalu masuk ke aplikasi dan periksa isinya.\n\n"
                       "**Jika gagal:** Project ID atau key yang salah menghasilkan *unauthorized* (salin ulang dari "
                       "Project Settings → API); *table does not exist* berarti langkah 3 terlewat; jalankan "
                       "script di dalam folder aplikasi yang benar.",
    "migration.new_project": "Proyek baru",
    "migration.project": "Project ID atau URL proyek baru",
    "migration.project_help": "Bagian `<id>` di https://<id>.supabase.co (Project Settings → General).",
    "migration.anon_key": "Anon Key baru",
    "migration.anon_help": "Project Settings → API → anon public. Aplikasi membutuhkannya; key ini hanya masuk ke "
                           "script konfigurasi di dalam bundel.",
    "migration.old_project": "Project ID lama (opsional)",
    "migration.old_project_help": "Membantu script konfigurasi menemukan semua tempat yang perlu diubah di source "
                                  "code aplikasi.",
    "migration.bundle_title": "Bundel migrasi",
    "migration.bundle_help": "Berkas zip berisi SQL untuk tabel, script yang mengarahkan source code aplikasi ke "
                             "proyek baru, perintah deploy, perintah restore, dan README (Inggris dan Indonesia). "
                             "Service key atau kata sandi database tidak pernah dimasukkan ke dalamnya.",
    "migration.bundle_button": "Generate Script Migrasi",
    "migration.bundle_ready": "Bundel siap ({n} berkas).",
    "migration.bundle_download": "Download bundel (.zip)",
    "migration.need_project_and_key": "Isi Project ID baru dan Anon Key-nya terlebih dahulu.",
    "migration.same_project": "Project ID lama sama dengan Project ID baru.",
    "migration.sql_title": "SQL untuk membuat tabel di proyek baru",
    "migration.now_title": "Migrasi sekarang",
    "migration.now_help": "Salin setiap baris dari **{source}** ke proyek baru, lalu buktikan salinannya lengkap "
                          "(baris demi baris dan dengan digest). Backup sumber ditulis terlebih dahulu.",
    "migration.target_kind": "Akses proyek baru melalui",
    "migration.target_postgresql": "Connection string database (disarankan)",
    "migration.target_supabase": "Data API dengan key service_role",
    "migration.db_url": "Connection string database proyek baru",
    "migration.service_key": "Key service_role proyek baru",
    "migration.service_key_help": "Project Settings → API → service_role. Hanya dipakai untuk penyalinan ini, "
                                  "tetap di sesi browser ini, dan tidak pernah ditampilkan atau ditulis ke berkas.",
    "migration.mode": "Jika proyek baru sudah berisi data",
    "migration.mode_auto": "Berhenti dan tunjukkan",
    "migration.mode_merge": "Gabung (merge)",
    "migration.mode_mirror": "Cermin (hapus baris lain)",
    "migration.create_table": "Siapkan juga tabel yang sudah ada seperti yang dibutuhkan aplikasi",
    "migration.create_table_help": "Tabel yang belum ada selalu dibuat dengan index, Row Level Security, dan policy "
                                   "aplikasi. Centang ini untuk menerapkannya juga pada tabel yang sudah ada. Hanya "
                                   "dengan connection string database; melalui Data API jalankan SQL di atas.",
    "migration.confirm": "Salin data {source} ke proyek baru.",
    "migration.now_button": "Migrasi sekarang",
    "migration.running": "Sedang migrasi…",
    "migration.check_button": "Periksa dulu (uji coba)",
    "migration.check_help": "Mem-backup sumber dan membandingkannya dengan proyek baru; tidak menulis apa pun ke "
                            "sana.",
    "migration.checking": "Memeriksa…",
    "migration.checked": "Pemeriksaan selesai: tidak ada yang ditulis ke proyek baru",
    "migration.dry_run_result": "Uji coba: migrasi akan menulis {writes} baris dan menghapus {deletes} baris di "
                                "proyek baru. Tidak ada yang ditulis ke sana.",
    "migration.failed": "Migrasi gagal",
    "migration.done": "Migrasi selesai dan terverifikasi",
    "migration.mode_required": "Proyek baru sudah berisi data lain",
    "migration.mode_required_help": "Tidak ada yang ditulis. Lihat tabel di bawah, lalu pilih *Gabung* atau "
                                    "*Cermin* dan mulai lagi.",
    "migration.verified": "Migrasi selesai: {rows} baris di sumber, {written} ditulis. **Verifikasi berhasil**: "
                          "proyek baru berisi persis data sumber.",
    "migration.table_created": "Tabel sudah dibuat di proyek baru.",
    "migration.digest": "Digest isi baris yang dimigrasikan: {digest} ({rows} baris).",
    "migration.backup_download": "Download backup sumber",
    "migration.need_db_url": "Isi connection string database proyek baru.",
    "migration.need_project": "Isi Project ID atau URL proyek baru.",
    "migration.need_key": "Isi key service_role proyek baru.",
    # -- kesalahan: apa yang terjadi, apa yang harus dilakukan ------------------------------------
    "error.invalid_backup": "Berkas ini bukan backup MVDB yang valid.",
    "error.verification": "Verifikasi gagal.",
    "error.store": "Penyimpanan tidak bisa dibaca atau ditulis.",
    "error.usage": "Ada nilai yang tidak tepat.",
    "error.generic": "Operasi gagal.",
    "error.disk_full": "Disk penuh.",
    "error.plan_changed": "Penyimpanan berubah sejak pemeriksaan.",
    "error.store_busy": "Penyimpanan sedang sibuk.",
    "error.missing_module": "Ada bagian instalasi yang hilang.",
    "error.unexpected": "Terjadi kesalahan yang tidak terduga.",
    "hint.invalid_backup": "**Yang perlu dilakukan:** pilih berkas buatan dasbor ini, alat command line, atau "
                           "fitur backup bawaan MVDB (mvdb-backup-….json). Berkas yang sudah diedit, terpotong "
                           "(download tidak selesai) atau disimpan ulang oleh program lain tidak bisa di-restore "
                           "dengan aman.",
    "hint.verification": "**Yang perlu dilakukan:** penyimpanan tidak berisi apa yang ditulis. Di penyimpanan "
                         "PostgreSQL atau SQLite restore dibatalkan dan tidak ada yang berubah; melalui Data API "
                         "snapshot pengaman menyimpan nilai yang ditimpa. Jalankan restore lagi.",
    "hint.table_missing": "**Yang perlu dilakukan:** tabelnya tidak ada. Di proyek Supabase, jalankan SQL dari "
                          "halaman Migrasi (`01_create_table.sql`) di SQL Editor. Periksa nama tabel di sidebar "
                          "(MVDB memakai `kv_store_cd38bf14`).",
    "hint.missing_file": "**Yang perlu dilakukan:** periksa path berkasnya. Path yang diawali / adalah path absolut; "
                         "dalam URL itu ditulis sqlite:/// dengan tiga garis miring (sqlite://data/x.db relatif "
                         "terhadap folder tempat dasbor berjalan).",
    "hint.bad_login": "**Yang perlu dilakukan:** penyimpanan menolak login. Untuk connection string, periksa nama "
                      "pengguna dan kata sandinya (Supabase → Project Settings → Database). Untuk Data API, periksa "
                      "URL proyek dan key-nya (Project Settings → API); untuk backup gunakan key service_role.",
    "hint.busy": "**Yang perlu dilakukan:** restore lain sedang menulis ke tabel ini. Tidak ada yang diubah; coba "
                 "lagi setelah selesai.",
    "hint.plan_changed": "**Yang perlu dilakukan:** tidak ada yang ditulis. Periksa lagi apa yang akan berubah (buat "
                         "rencananya lagi), lalu konfirmasi rencana yang baru.",
    "hint.disk_full": "**Yang perlu dilakukan:** kosongkan sebagian ruang disk di server, lalu coba lagi. Berkas yang "
                      "belum selesai sudah dihapus.",
    "hint.permission": "**Yang perlu dilakukan:** koneksi ini tidak diizinkan melakukannya: melalui Data API "
                       "gunakan key service_role (row-level security menyembunyikan sisanya) atau connection "
                       "string database; untuk berkas, periksa apakah berkas boleh ditulis.",
    "hint.no_connection": "**Yang perlu dilakukan:** periksa alamat dan koneksi internet. Proyek Supabase yang "
                          "dijeda harus dipulihkan dulu di dasbor Supabase. Lalu muat ulang dan coba lagi.",
    "hint.store": "**Yang perlu dilakukan:** periksa koneksi di sidebar, muat ulang, lalu coba lagi.",
    "hint.usage": "**Yang perlu dilakukan:** perbaiki nilainya lalu coba lagi.",
    "hint.generic": "**Yang perlu dilakukan:** coba lagi; jika terus gagal, jalankan langkah yang sama dengan alat "
                    "command line (`python -m mvdb_core --debug …`) untuk melihat detailnya.",
    "hint.missing_module": "**Yang perlu dilakukan:** instal ulang dependensi (`pip install -r requirements.txt`) "
                           "lalu jalankan ulang dasbor.",
    "hint.unexpected": "**Yang perlu dilakukan:** muat ulang halaman dan coba lagi. Data Anda tidak diubah oleh "
                       "langkah yang gagal sebelum menulis; restore yang gagal bisa dijalankan lagi. Log server "
                       "berisi catatan singkat untuk administrator.",
    # -- sealed files, keys, repositories -----------------------------------------------------
    "nav.snapshots": "Snapshot",
    "keys.identity": "Berkas identitas age (kunci privat)",
    "keys.identity_help": "Berkas key.txt yang ditulis age-keygen (baris AGE-SECRET-KEY-1…). Hanya dibaca di "
                          "memori, tidak pernah disimpan atau ditampilkan.",
    "keys.passphrase": "Frasa sandi",
    "keys.repo_identity": "Berkas identitas age repositori (diperlukan untuk membaca snapshot)",
    "keys.repo_passphrase": "Frasa sandi repositori",
    "keys.encrypted_identity": "{file} dienkripsi dengan age: upload berkas identitas (kunci privat) yang kunci "
                               "publiknya dipakai untuk mengenkripsi.",
    "keys.encrypted_passphrase": "{file} dienkripsi dengan frasa sandi: ketik di bawah.",
    "keys.decoding": "Mendekripsi dan membuka berkas…",
    "keys.cannot_open": "Berkas {file} tidak bisa dibuka.",
    "repo.pick": "Repositori",
    "repo.where": "Lokasi {where}; {encryption}.",
    "repo.enc_age": "dienkripsi dengan kunci publik age",
    "repo.enc_passphrase": "dienkripsi dengan frasa sandi",
    "repo.enc_none": "tidak dienkripsi",
    "repo.snapshot": "Snapshot",
    "repo.rows": "{rows} baris",
    "repo.empty": "Repositori ini belum berisi snapshot. Buat satu di halaman Backup.",
    "repo.key_needed": "Berikan kunci repositori di atas untuk melihat daftar snapshot.",
    "repo.exporting": "Membaca snapshot…",
    "backup.compress": "Kompres berkas unduhan",
    "backup.compress_none": "Tidak",
    "backup.compress_help": "zstd membuat berkas sekitar lima kali lebih kecil; gzip bisa dibuka di mana saja. "
                            "Halaman restore membaca keduanya.",
    "backup.recipient": "Enkripsi ke kunci publik age (opsional)",
    "backup.recipient_help": "Tempel kunci publik (age1…) milik orang yang boleh membaca backup. Hanya kunci "
                             "privat pasangannya (berkas identitas) yang bisa membukanya: simpan di tempat aman.",
    "backup.recipient_invalid": "Ini bukan kunci publik age: backup tidak dibuat.",
    "backup.encrypted_note": "Berkas ini terenkripsi: untuk me-restore-nya diperlukan berkas identitas dari kunci "
                             "publik di atas.",
    "backup.repo_title": "Simpan ke repositori",
    "backup.repo_intro": "Repositori menyimpan banyak snapshot dengan ukuran tak jauh lebih besar dari satu: hanya "
                         "yang berubah sejak snapshot terakhir yang ditambahkan.",
    "backup.repo_none": "Belum ada repositori snapshot. Tambahkan di `.streamlit/secrets.toml` sebagai "
                        "`[repositories.NAMA]` dengan `url = \"s3://bucket/prefix\"` (atau sebuah folder) dan, "
                        "untuk S3, `aws_access_key_id`, `aws_secret_access_key`, `endpoint_url`, `region`.",
    "backup.repo_tags": "Tag (opsional, dipisahkan koma)",
    "backup.repo_tags_help": "Label yang tampil di daftar snapshot, mis. sebelum-update.",
    "backup.repo_save": "Simpan snapshot",
    "backup.repo_running": "Menyimpan snapshot…",
    "backup.repo_failed": "Snapshot gagal",
    "backup.repo_done_short": "Snapshot {id} tersimpan",
    "backup.repo_done": "Snapshot {id} tersimpan di {repo}: {rows} baris.",
    "backup.repo_sizes": "**{added}** ditambahkan ({new} bagian baru), **{reused}** dipakai ulang ({old} bagian "
                         "sudah ada di repositori).",
    "restore.from_snapshot": "Restore snapshot {id} dari repositori {repo}, dibuat {time} (UTC).",
    "restore.snapshot_drop": "Berkas lain",
    "restore.repo_title": "Atau restore snapshot dari repositori",
    "restore.repo_use": "Pakai snapshot ini",
    "snapshots.title": "Snapshot",
    "snapshots.intro": "Snapshot di sebuah repositori: lihat daftarnya, lihat isi satu snapshot, unduh sebagai "
                       "berkas backup, atau restore.",
    "snapshots.none": "Belum ada repositori snapshot. Tambahkan di `.streamlit/secrets.toml` sebagai "
                      "`[repositories.NAMA]` dengan `url = \"s3://bucket/prefix\"` (atau sebuah folder) dan, "
                      "untuk S3, `aws_access_key_id`, `aws_secret_access_key`, `endpoint_url`, `region`.",
    "snapshots.list": "{n} snapshot, terbaru lebih dulu",
    "snapshots.col_time": "Waktu (UTC)",
    "snapshots.col_id": "Id",
    "snapshots.col_tags": "Tag",
    "snapshots.col_added": "Ditambahkan ke repositori",
    "snapshots.key_needed": "Snapshot terenkripsi: berikan kunci repositori di atas untuk melihat jumlah barisnya, "
                            "mengunduh, atau me-restore.",
    "snapshots.counts": "Baris dalam snapshot {id}",
    "snapshots.download_title": "Unduh",
    "snapshots.format": "Format",
    "snapshots.format_plain": "Biasa (.json)",
    "snapshots.prepare": "Siapkan berkas",
    "snapshots.export_done": "Berkas siap",
    "snapshots.export_failed": "Snapshot tidak bisa dibaca",
    "snapshots.download": "Unduh snapshot",
    "snapshots.restore_title": "Restore",
    "snapshots.restore_help": "Membuka halaman Restore dengan snapshot ini: snapshot diperiksa, Anda melihat apa "
                              "yang akan berubah, dan tidak ada yang ditulis sebelum Anda konfirmasi.",
    "snapshots.restore": "Restore snapshot ini",
    "error.repository": "Repositori tidak bisa dibaca atau ditulis.",
    "hint.repository": "**Yang perlu dilakukan:** periksa alamat dan kredensial repositori di "
                       "`.streamlit/secrets.toml`, dan pastikan bucket atau folder-nya ada.",
    # -- job ----------------------------------------------------------------------------------
    "nav.jobs": "Job",
    "jobs.title": "Job terjadwal",
    "jobs.intro": "Job backup terjadwal: setiap run yang dicatatnya di repositori, pemeriksaan dan latihan "
                  "restore terakhir, apa yang akan dihapus oleh kebijakan retensi, jalankan sekarang, dan jadwal "
                  "untuk dipasang. Job-nya sendiri dijalankan oleh cron, timer systemd atau GitHub Actions, bukan "
                  "di dalam dasbor.",
    "jobs.none": "Belum ada job backup. Salin `examples/mvdb-job.toml`, sunting (setiap kunci dijelaskan di "
                 "`docs/jobs.md`), buat repositorinya sekali dengan `python -m mvdb_core init --repo …`, lalu "
                 "beri tahu dasbor letak berkasnya: variabel lingkungan `{env}=/path/to/mvdb-job.toml`, atau di "
                 "`.streamlit/secrets.toml`:",
    "jobs.config_broken": "Konfigurasi job tidak bisa dipakai: {problem}",
    "jobs.config_fix": "Perbaiki berkasnya (setiap kunci dijelaskan di `docs/jobs.md`, contohnya "
                       "`examples/mvdb-job.toml`); nilai `${NAME}` juga harus ada di lingkungan dasbor.",
    "jobs.history_unreadable": "Riwayat run tidak bisa dibaca dari repositori (lihat pesan di atas); jadwal di "
                               "bawah tidak memerlukan repositori.",
    "jobs.name": "Job",
    "jobs.repository": "Repositori",
    "jobs.store": "Penyimpanan",
    "jobs.schedule": "Jadwal",
    "jobs.every": "setiap {interval} pukul {at} UTC (terlambat setelah {grace} lagi)",
    "jobs.retention": "Retensi",
    "jobs.no_policy": "tanpa kebijakan: semua snapshot disimpan",
    "jobs.all": "semua",
    "jobs.run_now": "Jalankan sekarang",
    "jobs.run_now_help": "Satu run job dari sini: snapshot, forget dan prune, pemeriksaan, dan latihan restore bila "
                         "sudah waktunya; dicatat dan memberi peringatan seperti run terjadwal.",
    "jobs.running": "Menjalankan job {name}…",
    "jobs.busy_title": "Run lain sedang berjalan",
    "jobs.busy": "Job ini sedang berjalan di tempat lain, jadi tidak ada yang dimulai: coba lagi setelah "
                 "selesai. ({detail})",
    "jobs.run_failed_to_start": "Run tidak bisa dimulai",
    "jobs.ran_ok": "Run {time} UTC selesai: semua langkah berhasil",
    "jobs.ran_failed": "Run {time} UTC selesai dengan langkah yang gagal",
    "jobs.no_runs": "Job ini belum pernah berjalan. Jalankan sekarang, atau pasang salah satu jadwal di bawah.",
    "jobs.last_check": "Pemeriksaan terakhir",
    "jobs.no_check": "Belum ada pemeriksaan.",
    "jobs.check_detail": "{leaves} bagian di repositori, {read} di antaranya dibaca dan diperiksa.",
    "jobs.last_drill": "Latihan restore terakhir",
    "jobs.no_drill": "Belum ada latihan restore",
    "jobs.drill_detail": "Snapshot {id} di-restore ke penyimpanan sementara dan diperiksa: {rows} baris dalam "
                         "{seconds}.",
    "jobs.history": "Riwayat run, terbaru lebih dulu",
    "jobs.legend": "✅ berhasil · ❌ gagal · ⏭️ dilewati",
    "jobs.col_started": "Mulai (UTC)",
    "jobs.col_took": "Durasi",
    "jobs.col_added": "Ditambahkan",
    "jobs.col_error": "Galat, peringatan",
    "jobs.col_reasons": "Disimpan karena",
    "jobs.step_snapshot": "Snapshot",
    "jobs.step_forget": "Forget",
    "jobs.step_check": "Periksa",
    "jobs.step_drill": "Latihan",
    "jobs.result_ok": "✅ berhasil",
    "jobs.result_failed": "❌ gagal",
    "jobs.result_skipped": "⏭️ dilewati",
    "jobs.preview_title": "Pratinjau retensi: apa yang akan dilakukan forget dan prune sekarang",
    "jobs.preview_no_policy": "Job ini tidak punya kebijakan retensi: semua snapshot disimpan.",
    "jobs.preview_failed": "Pratinjau tidak bisa dibuat: {problem}",
    "jobs.preview_intro": "Kebijakan: {policy}. Tidak ada yang dihapus di sini; run berikutnya yang melakukannya.",
    "jobs.preview_keep": "**Snapshot disimpan: {n}**",
    "jobs.preview_remove": "**Snapshot dihapus: {n}**",
    "jobs.preview_prune": "Prune lalu akan menghapus bagian yang tidak dipakai snapshot mana pun: **{leaves}**, "
                          "membebaskan **{size}**.",
    "jobs.preview_no_prune": "Prune dimatikan untuk job ini (`prune = false`): tidak ada bagian yang dihapus.",
    "jobs.schedules": "Pasang jadwal",
    "jobs.schedules_intro": "Siap disalin, untuk mesin ini: Python {python}, folder kerja {folder}. Rahasia tidak "
                            "pernah ditulis di unit (berkas lingkungan, atau secrets repositori di GitHub).",
    "jobs.bucket_last": "terakhir",
    "jobs.bucket_hourly": "per jam",
    "jobs.bucket_daily": "harian",
    "jobs.bucket_weekly": "mingguan",
    "jobs.bucket_monthly": "bulanan",
    "jobs.bucket_yearly": "tahunan",
    "jobs.reason_bucket": "snapshot {bucket}",
    "jobs.reason_oldest": "snapshot {bucket} tertua",
    "jobs.reason_bucket_within": "{bucket} dalam {duration}",
    "jobs.reason_oldest_within": "{bucket} tertua dalam {duration}",
    "jobs.reason_within": "dalam {duration}",
    "jobs.reason_tags": "punya tag {tags}",
    "jobs.weeks_one": "1 minggu",
    "jobs.weeks_many": "{n} minggu",
    "jobs.days_one": "1 hari",
    "jobs.days_many": "{n} hari",
    "jobs.hours_one": "1 jam",
    "jobs.hours_many": "{n} jam",
    "jobs.minutes_one": "1 menit",
    "jobs.minutes_many": "{n} menit",
    "jobs.age_days": "{n} hari",
    "jobs.age_hours": "{n} jam",
    "jobs.age_minutes": "{n} menit",
    "jobs.banner_late": "**Backup terlambat:** job {name} belum membuat backup yang berhasil sejak {time} UTC "
                        "({ago} yang lalu); seharusnya berjalan setiap {interval}.",
    "jobs.banner_never": "**Backup terlambat:** job {name} belum membuat backup yang berhasil dalam {runs} run "
                         "sejak {time} UTC.",
    "jobs.banner_failed": "**Run backup terakhir gagal:** job {name}, {time} UTC, pada langkah **{step}**: {error}",
    "jobs.banner_failed_nostep": "**Run backup terakhir gagal:** job {name}, {time} UTC.",
    "jobs.banner_config": "Konfigurasi job backup tidak bisa dibaca, jadi tidak diketahui apakah backup berjalan: "
                          "{problem}",
    "jobs.banner_unreadable": "Riwayat job backup tidak bisa dibaca: {problem}",
    "jobs.banner_open": "Buka halaman Job",
    "jobs.alert_problem": "peringatan tidak terkirim: {problem}",
    # -- browse -----------------------------------------------------------------------------------
    "nav.browse": "Jelajahi",
    "browse.title": "Jelajahi data",
    "browse.intro": "Lihat isi store yang terhubung, berkas cadangan, atau snapshot tanpa memulihkannya: pilih "
                    "kategori, cari, pilih baris untuk melihat nilai lengkapnya, lalu pulihkan hanya baris itu.",
    "browse.source": "Sumber",
    "browse.source_store": "Store yang terhubung",
    "browse.source_file": "Berkas cadangan",
    "browse.source_snapshot": "Snapshot repositori",
    "browse.store_note": "Membaca {store}.",
    "browse.read_again": "Baca ulang",
    "browse.upload": "Berkas cadangan yang ingin dilihat",
    "browse.no_file": "Pilih berkas cadangan (biasa, .gz, .zst, atau .age) untuk melihat barisnya.",
    "browse.category": "Kategori",
    "browse.every_category": "Semua kategori",
    "browse.search": "Cari",
    "browse.search_placeholder": "bagian dari kunci, judul, nama, kode…",
    "browse.limit": "Baris",
    "browse.reading": "Membaca baris…",
    "browse.nothing": "Tidak ada baris yang cocok.",
    "browse.more": "{n} baris pertama ditampilkan; masih ada lagi: persempit pencarian atau pilih kategori.",
    "browse.all": "{n} baris.",
    "browse.csv": "Ekspor tabel ini sebagai CSV",
    "browse.select_help": "Pilih baris (kotak di kiri tabel) untuk melihat nilai lengkapnya dan memulihkannya. "
                          "Baris yang dipilih tetap terpilih saat mencari lagi.",
    "browse.clear": "Kosongkan",
    "browse.selected": "{n} baris dipilih",
    "browse.store_no_restore": "Baris ini milik store itu sendiri. Untuk mengembalikan versi lama sebuah baris, "
                               "jelajahi berkas cadangan atau snapshot dan pilih barisnya di sana.",
    "browse.restore_title": "Pulihkan {n} baris yang dipilih",
    "browse.restore_help": "Ke {store}, tabel {table}. Hanya baris ini yang dibandingkan dan ditulis (gabung): "
                           "tidak ada hal lain di store yang disentuh.",
    "restore.changed_rows": "{category}: {n} baris berubah, nilai di store di samping nilai di cadangan",
    "restore.changed_more": "{n} yang pertama ditampilkan.",
    "col.field": "Kolom",
    "col.in_store": "Di store sekarang",
    "col.in_backup": "Di cadangan",
    # -- browse: column titles of well-known fields (others keep their name) ----------------------
    "field.code": "Kode",
    "field.titleEn": "Judul",
    "field.titleJp": "Judul (Jepang)",
    "field.releaseDate": "Tanggal rilis",
    "field.cover": "Sampul",
    "field.name": "Nama",
    "field.jpname": "Nama (Jepang)",
    "field.type": "Jenis",
    "field.actress": "Aktris",
    "field.actors": "Aktor",
    "field.director": "Sutradara",
    "field.studio": "Studio",
    "field.series": "Seri",
    "field.label": "Label",
    "field.tags": "Tag",
    "field.duration": "Menit",
    "field.createdAt": "Dibuat",
    "field.updatedAt": "Diperbarui",
    "field.birthdate": "Lahir",
    "field.description": "Deskripsi",
    "field.link": "Tautan",
    "field.profilePicture": "Foto",
    "field.value": "Nilai",
}
