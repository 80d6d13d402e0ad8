#!/usr/bin/env python
"""Backup/restore benchmark against PostgreSQL's own tools, measured in the same run.

    python bench/bench.py [--rows 200000] [--rows 1000000 ...] [--shape mvdb] [--shape wide] [--repeat 3]
                          [--out docs/benchmarks.md]

What it does:

1. Starts a throwaway PostgreSQL cluster (tests/pgserver.py; as root the server runs as the
   `postgres` OS user) with two databases per shape: `bench_SHAPE_src` (the data) and
   `bench_SHAPE_dst` (restores).
2. Fills `kv_store_cd38bf14 (key text primary key, value jsonb not null)` in `bench_SHAPE_src`
   server-side (INSERT ... SELECT FROM generate_series), in one of two shapes (--shape, both by
   default, each in its own database pair):
   - `mvdb`: deterministic, MVDB-like rows of about 1 KB: movies, master data stored as JSON
     *strings* holding JSON, SC movies, photobooks, favorites, movie links, saved galleries,
     with some Japanese text;
   - `wide`: rows of about 1 KB that are mostly one array of 25 URLs (a movie's gallery), the
     shape where parsing and comparing values costs the most per byte.
3. For each --rows count (ascending; the table is extended, never rebuilt):
   a. backup:  `pg_dump --data-only -t TABLE -f DUMP` vs `python -m mvdb_core backup --store URL --out DIR`
   b. restore: `psql -X -q -v ON_ERROR_STOP=1 -f DUMP` vs `python -m mvdb_core restore FILE --store URL --yes`,
      each into a freshly emptied table (TRUNCATE, VACUUM ANALYZE, CHECKPOINT before every run), each
      followed by a check that the restored table equals the source (row count and a 64-bit
      hash sum over key and value).
   The best (minimum) wall time of --repeat runs counts; peak RSS comes from os.wait4 on the
   subprocess (ru_maxrss, KiB on Linux), the maximum over the runs.
4. Prints a markdown report and writes it to --out, with PASS/FAIL per target:
   backup <= 1.5x pg_dump, restore <= 2x psql, peak RSS < 200 MB, and RSS growth < 10% from
   the smallest to the largest row count.

All tools run as subprocesses, timed by wall clock from start to exit (our numbers include the
Python interpreter's start-up and imports). This is a benchmark, not a test: the machine may be
shared, so the numbers are ratios against the reference tools measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import psycopg  # noqa: E402
from pgserver import PgServer, find_pg_bin  # noqa: E402

TABLE = "kv_store_cd38bf14"
TARGET_BACKUP = 1.5
TARGET_RESTORE = 2.0
TARGET_RSS_MB = 200.0
TARGET_RSS_GROWTH = 10.0
MARKER = "<!-- bench/repository.py writes below this line -->"

# --------------------------------------------------------------------------------------------
# Data: deterministic MVDB-like rows built server-side. i % 20 picks the kind of row.

FILL_SQL = f"""
INSERT INTO {TABLE} (key, value)
SELECT r.key, r.value
FROM generate_series(__LO__, __HI__) AS g(i)
CROSS JOIN LATERAL (
  SELECT md5(g.i::text) AS h, md5('mvdb' || g.i::text) AS h2, g.i % 20 AS kind,
         1690000000000 + g.i::bigint * 7919 AS ms,
         (ARRAY['夏の終わりの物語','東京ラブストーリー','秘密の放課後','初恋の季節','月夜の約束',
                '雨上がりの午後','運命の出会い','真夜中の図書館','桜の咲く頃に','恋する週末'])[1 + g.i % 10] AS jp,
         (ARRAY['佐藤美咲','鈴木愛','高橋結衣','田中さくら','伊藤真央','渡辺花子','山本優奈',
                '中村七海','小林葵','加藤陽菜','吉田凛','山田結菜'])[1 + g.i % 12] AS jpname,
         (ARRAY['Misaki Sato','Ai Suzuki','Yui Takahashi','Sakura Tanaka','Mao Ito','Hanako Watanabe',
                'Yuna Yamamoto','Nanami Nakamura','Aoi Kobayashi','Hina Kato','Rin Yoshida','Yuina Yamada'])
                [1 + g.i % 12] AS name,
         (ARRAY['Prestige','S1 No.1 Style','Moodyz','Idea Pocket','Madonna','Attackers','Kawaii',
                'Premium'])[1 + g.i % 8] AS studio,
         (ARRAY['ABP','SSIS','MIDV','IPX','JUL','ADN','CAWD','PRED'])[1 + g.i % 8] AS prefix
) AS b
CROSS JOIN LATERAL (
  SELECT b.ms::text || '-' || substr(b.h, 1, 9) AS id,
         b.prefix || '-' || lpad((g.i % 997)::text, 3, '0') AS code,
         to_char(date '2004-01-01' + (g.i % 7300), 'YYYY-MM-DD') AS released,
         to_char(to_timestamp(b.ms / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created
) AS c
CROSS JOIN LATERAL (
  SELECT
    CASE
      WHEN b.kind <= 10 THEN 'movie:' || c.id
      WHEN b.kind <= 14 THEN 'master_' ||
           (ARRAY['actress','actress','actor','series','studio','label','tag','director','generation',
                  'lineup','group','type','linklabel'])[1 + (g.i / 20) % 13] || '_' || c.id
      WHEN b.kind = 15 THEN 'scmovie:' || c.id
      WHEN b.kind = 16 THEN 'photobook_' || c.id
      WHEN b.kind = 17 THEN 'favorite_fav_' || b.ms::text || '_' || substr(b.h2, 1, 6)
      WHEN b.kind = 18 THEN 'movie_link:' || c.id
      ELSE 'saved_gallery:' || c.id
    END AS key,
    CASE
      WHEN b.kind <= 10 THEN jsonb_build_object(
        'id', c.id, 'code', c.code, 'dmcode', lower(replace(c.code, '-', '00')),
        'titleEn', 'The ' || initcap(substr(b.h2, 1, 6)) || ' Story of ' || b.name || ' ' || (g.i % 50),
        'titleJp', b.jp || ' ' || b.jpname || ' 第' || (1 + g.i % 9) || '章',
        'releaseDate', c.released, 'duration', (60 + g.i % 180)::text,
        'type', (ARRAY['Cen','Unc','SC','3DX'])[1 + g.i % 4],
        'director', 'Director ' || substr(b.h, 10, 4), 'actress', b.name || ', ' || b.jpname,
        'actors', 'Ken ' || substr(b.h2, 7, 3) || ', Taro ' || substr(b.h2, 10, 3),
        'series', b.studio || ' Collection ' || (g.i % 40), 'studio', b.studio,
        'label', b.studio || ' Label', 'tags', 'Drama, Romance, ' || b.studio || ', HD',
        'cover', 'https://pics.example.com/digital/video/' || c.code || '/' || c.code || 'pl.jpg',
        'gallery', 'https://pics.example.com/digital/video/' || c.code || '/gallery',
        'galleryImages', jsonb_build_array(
          'https://pics.example.com/digital/video/' || c.code || '/' || c.code || 'jp-1.jpg',
          'https://pics.example.com/digital/video/' || c.code || '/' || c.code || 'jp-2.jpg',
          'https://pics.example.com/digital/video/' || c.code || '/' || c.code || 'jp-3.jpg',
          'https://pics.example.com/digital/video/' || c.code || '/' || c.code || 'jp-4.jpg'),
        'cropCover', g.i % 3 = 0,
        'clinks', 'https://stream.example.com/watch/' || substr(b.h, 1, 16),
        'ulinks', 'https://mirror.example.net/v/' || substr(b.h2, 1, 12),
        'slinks', '', 'createdAt', c.created, 'updatedAt', c.created)
      WHEN b.kind <= 14 THEN to_jsonb(jsonb_build_object(
        'id', c.id, 'name', b.name || ' ' || substr(b.h2, 1, 4), 'jpname', b.jpname,
        'kanjiName', b.jpname, 'type', 'actress', 'birthdate', to_char(date '1990-01-01' + (g.i % 4000), 'YYYY-MM-DD'),
        'alias', b.name || ' (' || substr(b.h, 20, 5) || ')',
        'links', jsonb_build_array(
          jsonb_build_object('id', substr(b.h, 1, 8), 'label', 'Profile',
                             'url', 'https://wiki.example.org/' || substr(b.h, 1, 12)),
          jsonb_build_object('id', substr(b.h2, 1, 8), 'label', 'Twitter',
                             'url', 'https://x.example.com/' || substr(b.h2, 1, 10))),
        'tags', 'Idol, ' || b.studio,
        'photo', jsonb_build_array(
          'https://pics.example.com/actress/' || substr(b.h, 1, 10) || '/1.jpg',
          'https://pics.example.com/actress/' || substr(b.h, 1, 10) || '/2.jpg',
          'https://pics.example.com/actress/' || substr(b.h, 1, 10) || '/3.jpg'),
        'profilePicture', 'https://pics.example.com/actress/' || substr(b.h, 1, 10) || '/profile.jpg',
        'groupId', substr(b.h2, 20, 8), 'groupName', b.studio || ' Girls', 'createdAt', c.created)::text)
      WHEN b.kind = 15 THEN jsonb_build_object(
        'id', c.id, 'titleEn', 'Cut Edition ' || substr(b.h, 1, 6), 'titleJp', b.jp || '（特別編）',
        'cover', 'https://pics.example.com/sc/' || c.code || '.jpg',
        'scType', (ARRAY['real_cut','regular_censorship'])[1 + g.i % 2], 'releaseDate', c.released,
        'hcReleaseDate', c.released, 'cast', b.name || ', ' || b.jpname, 'hcCode', c.code,
        'hcMovies', jsonb_build_array(
          jsonb_build_object('hcCode', c.code, 'hcReleaseDate', c.released),
          jsonb_build_object('hcCode', b.prefix || '-' || (g.i % 900), 'hcReleaseDate', c.released)),
        'hasEnglishSubs', g.i % 2 = 0,
        'scStreamingLinks', jsonb_build_array('https://stream.example.com/sc/' || substr(b.h, 1, 16),
                                              'https://stream2.example.com/sc/' || substr(b.h2, 1, 16)),
        'hcStreamingLinks', jsonb_build_array('https://stream.example.com/hc/' || substr(b.h2, 1, 16)),
        'createdAt', c.created, 'updatedAt', c.created)
      WHEN b.kind = 16 THEN jsonb_build_object(
        'id', c.id, 'titleEn', 'Photobook ' || b.name, 'titleJp', b.jpname || '写真集「' || b.jp || '」',
        'link', 'https://books.example.com/' || substr(b.h, 1, 10),
        'cover', 'https://books.example.com/c/' || substr(b.h, 1, 10) || '.jpg',
        'releaseDate', c.released, 'actress', b.name,
        'imageLinks', 'https://books.example.com/i/' || substr(b.h, 1, 10) || '/1.jpg, '
                      || 'https://books.example.com/i/' || substr(b.h, 1, 10) || '/2.jpg',
        'imageTags', jsonb_build_array(
          jsonb_build_object('url', 'https://books.example.com/i/' || substr(b.h, 1, 10) || '/1.jpg',
                             'actresses', jsonb_build_array(b.name), 'contentRating', 'NN', 'imageIndex', 0),
          jsonb_build_object('url', 'https://books.example.com/i/' || substr(b.h, 1, 10) || '/2.jpg',
                             'actresses', jsonb_build_array(b.name, 'Guest'), 'contentRating', 'N', 'imageIndex', 1)),
        'linkedTo', jsonb_build_object('actressId', substr(b.h2, 1, 20)),
        'createdAt', c.created, 'updatedAt', c.created)
      WHEN b.kind = 17 THEN jsonb_build_object(
        'id', 'fav_' || b.ms::text || '_' || substr(b.h2, 1, 6), 'type',
        (ARRAY['movie','image','cast','series','photobook'])[1 + g.i % 5],
        'itemId', (b.ms - 7919)::text || '-' || substr(b.h, 1, 9),
        'sourceId', 'https://pics.example.com/digital/video/' || c.code || '/' || c.code || 'jp-2.jpg',
        'userId', (ARRAY['a1b2c3d4-0000-4000-8000-000000000001','a1b2c3d4-0000-4000-8000-000000000002'])[1 + g.i % 2],
        'createdAt', c.created)
      WHEN b.kind = 18 THEN jsonb_build_object(
        'id', c.id, 'primaryMovieId', (b.ms - 7919 * 3)::text || '-' || substr(b.h2, 1, 9),
        'linkedMovieId', (b.ms - 7919 * 5)::text || '-' || substr(b.h2, 10, 9),
        'description', 'Same scene, uncensored release / 同じシーン ' || b.jp,
        'createdAt', c.created, 'updatedAt', c.created)
      ELSE jsonb_build_object(
        'movieId', c.id, 'name', b.jp || ' gallery',
        'images', jsonb_build_array(
          'https://pics.example.com/digital/video/' || c.code || '/' || c.code || 'jp-1.jpg',
          'https://pics.example.com/digital/video/' || c.code || '/' || c.code || 'jp-2.jpg',
          'https://pics.example.com/digital/video/' || c.code || '/' || c.code || 'jp-3.jpg',
          'https://pics.example.com/digital/video/' || c.code || '/' || c.code || 'jp-4.jpg',
          'https://pics.example.com/digital/video/' || c.code || '/' || c.code || 'jp-5.jpg',
          'https://pics.example.com/digital/video/' || c.code || '/' || c.code || 'jp-6.jpg'),
        'savedAt', c.created)
    END AS value
) AS r
"""

WIDE_FILL_SQL = f"""
INSERT INTO {TABLE} (key, value)
SELECT 'movie:' || lpad(g.i::text, 9, '0'),
       jsonb_build_object(
         'id', g.i::text || '-' || substr(md5(g.i::text), 1, 9),
         'code', 'GAL-' || (g.i % 997),
         'galleryImages', (SELECT jsonb_agg('https://pics.example.com/digital/video/gal'
                                            || (g.i % 997) || '/gal' || (g.i % 997) || 'jp-' || n || '.jpg')
                           FROM generate_series(1, 25) AS n))
FROM generate_series(__LO__, __HI__) AS g(i)
"""
SHAPES = {"mvdb": FILL_SQL, "wide": WIDE_FILL_SQL}

CHECK_SQL = f"SELECT count(*), coalesce(sum(hashtextextended(key || E'\\t' || value::text, 0)), 0) FROM {TABLE}"
CREATE_SQL = f"CREATE TABLE IF NOT EXISTS {TABLE} (key text PRIMARY KEY, value jsonb NOT NULL)"


# --------------------------------------------------------------------------------------------
# Running and measuring


@dataclass
class Run:
    seconds: float
    maxrss_kib: int
    cpu_seconds: float = 0.0


@dataclass
class Result:
    rows: int
    shape: str = "mvdb"
    avg_value_bytes: float = 0.0
    pg_dump: list[Run] = field(default_factory=list)
    backup: list[Run] = field(default_factory=list)
    psql: list[Run] = field(default_factory=list)
    restore: list[Run] = field(default_factory=list)
    dump_bytes: int = 0
    backup_bytes: int = 0

    @staticmethod
    def best(runs: list[Run]) -> float:
        return min(r.seconds for r in runs)

    @staticmethod
    def peak_mb(runs: list[Run]) -> float:
        return max(r.maxrss_kib for r in runs) / 1024


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def timed(cmd: list[str], logfile: Path, cwd: Path, env: dict[str, str] | None = None) -> Run:
    """Run `cmd` to completion; wall time and the child's peak RSS (os.wait4's ru_maxrss)."""
    with open(logfile, "ab") as out:
        out.write(f"\n$ {shlex.join(cmd)}\n".encode())
        out.flush()
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=cwd, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        tail = logfile.read_text(errors="replace")[-2000:]
        raise SystemExit(f"command failed (exit {proc.returncode}): {shlex.join(cmd)}\n{tail}")
    return Run(seconds, usage.ru_maxrss, usage.ru_utime + usage.ru_stime)


def sql(url: str, *statements: str) -> tuple:
    with psycopg.connect(url, autocommit=True) as conn:
        row: tuple = ()
        for stmt in statements:
            cur = conn.execute(stmt)
            if cur.description:
                row = cur.fetchone() or ()
        return row


def fresh_target(url: str) -> None:
    """An empty table with no dead tuples and no dirty buffers, so every restore starts alike.

    ANALYZE resets the autovacuum counters too: without it the previous run's million inserts
    can start an autoanalyze in the middle of the next restore, which then samples the table
    while the COPY is uncommitted and records it as empty, which skews the next queries' plans.
    """
    sql(url, f"TRUNCATE {TABLE}", f"VACUUM ANALYZE {TABLE}", "CHECKPOINT")


def machine_info(pg_bin: Path) -> dict[str, str]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    pg = subprocess.run([str(pg_bin / "pg_dump"), "--version"], capture_output=True, text=True).stdout.strip()
    import psycopg as _p

    return {
        "nproc": str(len(os.sched_getaffinity(0))),
        "cpu": model,
        "memory": mem,
        "os": platform.platform(),
        "python": platform.python_version(),
        "postgresql": pg,
        "psycopg": _p.__version__,
    }


def ratio_cell(ratio: float, target: float) -> str:
    return f"{ratio:.2f} {'PASS' if ratio <= target else 'FAIL'}"


def growth(a: float, b: float) -> float:
    return (b - a) / a * 100.0


# --------------------------------------------------------------------------------------------
# The benchmark


def bench_one(rows: int, repeat: int, ctx: dict[str, object]) -> Result:
    pg_bin: Path = ctx["pg_bin"]  # type: ignore[assignment]
    work: Path = ctx["work"]  # type: ignore[assignment]
    src: str = ctx["src"]  # type: ignore[assignment]
    dst: str = ctx["dst"]  # type: ignore[assignment]
    port: int = ctx["port"]  # type: ignore[assignment]
    shape: str = ctx["shape"]  # type: ignore[assignment]
    src_db, dst_db = src.rsplit("/", 1)[1], dst.rsplit("/", 1)[1]
    logfile = work / "commands.log"
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    conn_args = ["-h", "127.0.0.1", "-p", str(port), "-U", "postgres"]
    result = Result(rows, shape)
    rows_label = f"{rows:,} {shape} rows"

    expected = sql(src, CHECK_SQL)
    result.avg_value_bytes = float(sql(src, f"SELECT avg(octet_length(value::text)) FROM {TABLE}")[0])
    dump = work / f"dump-{rows}.sql"
    outdir = work / f"backups-{rows}"
    keep: Path | None = None

    # (a) backup vs pg_dump, interleaved
    for n in range(repeat):
        sql(src, "CHECKPOINT", f"SELECT count(*) FROM {TABLE}")
        dump.unlink(missing_ok=True)
        r = timed([str(pg_bin / "pg_dump"), *conn_args, "-d", src_db, "--data-only", "-t", TABLE, "-f", str(dump)],
                  logfile, work)
        result.pg_dump.append(r)
        log(f"{rows_label}: pg_dump run {n + 1}: {r.seconds:.2f} s, {r.maxrss_kib / 1024:.0f} MB")

        sql(src, "CHECKPOINT", f"SELECT count(*) FROM {TABLE}")
        shutil.rmtree(outdir, ignore_errors=True)
        outdir.mkdir()
        r = timed([sys.executable, "-m", "mvdb_core", "backup", "--store", src, "--out", str(outdir)],
                  logfile, work, env)
        result.backup.append(r)
        log(f"{rows_label}: our backup run {n + 1}: {r.seconds:.2f} s, {r.maxrss_kib / 1024:.0f} MB")
        files = sorted(outdir.glob("*.json"))
        if len(files) != 1:
            raise SystemExit(f"expected one backup file in {outdir}, found {files}")
        keep = work / f"backup-{rows}.json"
        keep.unlink(missing_ok=True)
        files[0].rename(keep)
    assert keep is not None
    result.dump_bytes = dump.stat().st_size
    result.backup_bytes = keep.stat().st_size

    # (b) restore into a fresh empty table vs psql replaying the dump, interleaved
    snapdir = work / "snapshots"
    for n in range(repeat):
        fresh_target(dst)
        r = timed([str(pg_bin / "psql"), "-X", *conn_args, "-d", dst_db, "-q", "-v", "ON_ERROR_STOP=1",
                   "-f", str(dump)], logfile, work)
        result.psql.append(r)
        got = sql(dst, CHECK_SQL)
        if got != expected:
            raise SystemExit(f"psql restore differs from the source: {got} != {expected}")
        log(f"{rows_label}: psql run {n + 1}: {r.seconds:.2f} s, {r.maxrss_kib / 1024:.0f} MB (checked)")

        fresh_target(dst)
        r = timed([sys.executable, "-m", "mvdb_core", "restore", str(keep), "--store", dst, "--yes",
                   "--snapshot-dir", str(snapdir)], logfile, work, env)
        result.restore.append(r)
        got = sql(dst, CHECK_SQL)
        if got != expected:
            raise SystemExit(f"our restore differs from the source: {got} != {expected}")
        log(f"{rows_label}: our restore run {n + 1}: {r.seconds:.2f} s, {r.maxrss_kib / 1024:.0f} MB (checked)")

    dump.unlink(missing_ok=True)
    keep.unlink(missing_ok=True)
    shutil.rmtree(outdir, ignore_errors=True)
    fresh_target(dst)
    return result


def fill(src: str, shape: str, have: int, want: int) -> None:
    if want <= have:
        return
    start = time.perf_counter()
    sql(src, SHAPES[shape].replace("__LO__", str(int(have + 1))).replace("__HI__", str(int(want))))
    sql(src, f"VACUUM (FREEZE, ANALYZE) {TABLE}", "CHECKPOINT")
    log(f"filled {shape} rows {have + 1:,}..{want:,} in {time.perf_counter() - start:.1f} s")


def report(results: list[Result], info: dict[str, str], command: str, started: datetime,
           load: tuple[float, float], repeat: int) -> str:
    lines = [
        "# Benchmarks",
        "",
        "Backup and restore of one PostgreSQL KV table against PostgreSQL's own tools, measured in the same run.",
        "Produced by:",
        "",
        "```sh",
        command,
        "```",
        "",
        f"Date: {started.strftime('%Y-%m-%d %H:%M UTC')}. Machine: {info['nproc']} CPU(s), {info['cpu']}, "
        f"{info['memory']} RAM; {info['os']}; Python {info['python']}, psycopg {info['psycopg']}; "
        f"{info['postgresql']}. Load average (1 min) at start {load[0]:.2f}, at end {load[1]:.2f}: the machine "
        "is shared, so absolute times are noisy; the ratios compare runs made minutes apart.",
        "",
        "| shape | rows | pg_dump s | our backup s | ratio (target ≤ 1.5) | psql s | our restore s "
        "| ratio (target ≤ 2) | backup peak RSS MB | restore peak RSS MB |",
        "|---|---:|---:|---:|---|---:|---:|---|---:|---:|",
    ]
    checks: list[tuple[str, bool]] = []
    for r in results:
        b_ratio = r.best(r.backup) / r.best(r.pg_dump)
        r_ratio = r.best(r.restore) / r.best(r.psql)
        lines.append(
            f"| {r.shape} | {r.rows:,} | {r.best(r.pg_dump):.2f} | {r.best(r.backup):.2f} "
            f"| {ratio_cell(b_ratio, TARGET_BACKUP)} "
            f"| {r.best(r.psql):.2f} | {r.best(r.restore):.2f} | {ratio_cell(r_ratio, TARGET_RESTORE)} "
            f"| {r.peak_mb(r.backup):.1f} | {r.peak_mb(r.restore):.1f} |"
        )
        at = f"at {r.rows:,} {r.shape} rows"
        checks.append((f"backup ≤ {TARGET_BACKUP}× pg_dump {at} ({b_ratio:.2f}×)", b_ratio <= TARGET_BACKUP))
        checks.append((f"restore ≤ {TARGET_RESTORE}× psql {at} ({r_ratio:.2f}×)", r_ratio <= TARGET_RESTORE))
        peak = max(r.peak_mb(r.backup), r.peak_mb(r.restore))
        checks.append((f"peak RSS < {TARGET_RSS_MB:.0f} MB {at} ({peak:.1f} MB)", peak < TARGET_RSS_MB))
    lines.append("")
    for shape in dict.fromkeys(r.shape for r in results):
        mine = [r for r in results if r.shape == shape]
        if len(mine) < 2:
            lines += [f"RSS growth ({shape}): only one row count was measured (pass two --rows to check it).", ""]
            continue
        lo, hi = mine[0], mine[-1]
        for what, runs_lo, runs_hi in (("backup", lo.backup, hi.backup), ("restore", lo.restore, hi.restore)):
            g = growth(lo.peak_mb(runs_lo), hi.peak_mb(runs_hi))
            checks.append((
                f"{what} peak RSS growth {lo.rows:,} → {hi.rows:,} {shape} rows < {TARGET_RSS_GROWTH:.0f}% "
                f"({lo.peak_mb(runs_lo):.1f} → {hi.peak_mb(runs_hi):.1f} MB, {g:+.1f}%)",
                g < TARGET_RSS_GROWTH,
            ))
    lines += ["Targets:", ""]
    lines += [f"- {'PASS' if ok else 'FAIL'}: {text}" for text, ok in checks]
    lines += [
        "",
        "Details (every run, seconds; the table above shows the best of each):",
        "",
        "| shape | rows | avg value bytes | dump MB | backup file MB | pg_dump runs | our backup runs | psql runs "
        "| our restore runs | our backup / restore CPU s | pg_dump / psql peak RSS MB |",
        "|---|---:|---:|---:|---:|---|---|---|---|---|---|",
    ]
    for r in results:
        def runs(rs: list[Run]) -> str:
            return ", ".join(f"{x.seconds:.2f}" for x in rs)

        lines.append(
            f"| {r.shape} | {r.rows:,} | {r.avg_value_bytes:.0f} | {r.dump_bytes / 1e6:.0f} "
            f"| {r.backup_bytes / 1e6:.0f} "
            f"| {runs(r.pg_dump)} | {runs(r.backup)} | {runs(r.psql)} | {runs(r.restore)} "
            f"| {min(x.cpu_seconds for x in r.backup):.2f} / {min(x.cpu_seconds for x in r.restore):.2f} "
            f"| {r.peak_mb(r.pg_dump):.1f} / {r.peak_mb(r.psql):.1f} |"
        )
    lines += [
        "",
        "Method:",
        "",
        f"- A throwaway PostgreSQL cluster (`tests/pgserver.py`: fsync off) holds `{TABLE} (key text primary key, "
        "value jsonb not null)` in database `bench_SHAPE_src`, filled server-side. Shape `mvdb`: deterministic "
        "MVDB-like rows (55% `movie:`, 20% `master_*` whose values are JSON strings holding JSON, and SC movies, "
        "photobooks, favorites, movie links, saved galleries; Japanese titles and names). Shape `wide`: rows of "
        "about 1 KB that are mostly an array of 25 URLs. Larger row counts extend the same table.",
        f"- Backup: `pg_dump -h 127.0.0.1 --data-only -t {TABLE} -f DUMP` vs `python -m mvdb_core backup --store URL "
        "--out DIR` (which also counts categories, computes the sha256 and fsyncs the file).",
        f"- Restore: into `{TABLE}` of database `bench_SHAPE_dst`, emptied before every run (TRUNCATE, VACUUM ANALYZE, "
        "CHECKPOINT; the ANALYZE keeps a previous run's inserts from starting an autoanalyze mid-restore): "
        "`psql -X -q -v ON_ERROR_STOP=1 -f DUMP` vs `python -m mvdb_core restore FILE --store URL --yes` (which "
        "validates the whole file, plans against the target, writes with COPY and verifies every row after). After "
        "each restore the bench checks count and a 64-bit hash sum of key and value against the source.",
        f"- Times are wall clock from process start to exit, best of {repeat} interleaved runs; ours include Python "
        "start-up. Peak RSS is `ru_maxrss` from `os.wait4` on the subprocess, the largest over the runs; CPU is "
        "the client process's user + system time (the server's work is not in it), the least over the runs.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, action="append", help="row count (repeatable; default 200000)")
    parser.add_argument("--shape", action="append", choices=sorted(SHAPES),
                        help="data shape (repeatable; default: every shape)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per tool and row count; the best counts")
    parser.add_argument("--out", default=str(ROOT / "docs" / "benchmarks.md"), help="markdown report to write")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (dumps, backups, command log)")
    args = parser.parse_args(argv)
    rows = sorted(set(args.rows or [200_000]))
    if rows[0] < 1 or args.repeat < 1:
        parser.error("--rows and --repeat must be positive")
    shapes = args.shape or list(SHAPES)
    command = "python bench/bench.py " + " ".join(
        [f"--rows {n}" for n in (args.rows or [])] + [f"--shape {s}" for s in (args.shape or [])]
        + [f"--repeat {args.repeat}"]
    )

    pg_bin = find_pg_bin()
    if pg_bin is None:
        print("PostgreSQL binaries not found (install postgresql)", file=sys.stderr)
        return 1
    started = datetime.now(timezone.utc)
    load0 = os.getloadavg()[0]
    info = machine_info(pg_bin)
    server = PgServer(pg_bin).start()
    work = Path(tempfile.mkdtemp(prefix="mvdb-bench-"))
    log(f"PostgreSQL on port {server.port}, work folder {work}")
    try:
        results: list[Result] = []
        for shape in shapes:
            src, dst = server.create_db(f"bench_{shape}_src"), server.create_db(f"bench_{shape}_dst")
            sql(src, CREATE_SQL)
            sql(dst, CREATE_SQL)
            ctx = {"pg_bin": pg_bin, "work": work, "src": src, "dst": dst, "port": server.port, "shape": shape}
            have = 0
            for n in rows:
                fill(src, shape, have, n)
                have = n
                results.append(bench_one(n, args.repeat, ctx))
    finally:
        server.stop()
        if args.keep:
            log(f"kept the work folder {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    text = report(results, info, command, started, (load0, os.getloadavg()[0]), args.repeat)
    print(text)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    kept = out.read_text().partition(MARKER) if out.exists() else ("", "", "")
    out.write_text(text + ("\n" + kept[1] + kept[2] if kept[1] else ""))  # bench/repository.py's section stays
    log(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
