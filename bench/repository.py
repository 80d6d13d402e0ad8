#!/usr/bin/env python
"""Snapshot repository benchmark: leaf size and zstd level by measurement, then times against a plain backup.

    python bench/repository.py [--rows 200000] [--rows 1000000 ...] [--repeat 3] [--out docs/benchmarks.md]

1. Tuning (in-process, about 55,000 realistic rows from `mvdb_core.demo`, about 30 MB of JSON, in
   SQLite): for each leaf size (cut bits) and zstd level, an age-encrypted folder repository gets
   a first snapshot, a snapshot of the unchanged store, and one after 10 rows spread over the
   table were edited. Reported: bytes of each, as a share of the first, and the first's time.
2. Times (subprocesses, wall clock, best of --repeat, in a throwaway PostgreSQL with the `mvdb`
   shape of bench/bench.py): `backup` vs the first `snapshot` into a new repository vs a
   `snapshot` of the unchanged store; `restore FILE` vs `restore --repo` (which checks every
   leaf and restores its lines through the file reader, without writing a file), each into a
   freshly emptied table and checked against the source. Peak RSS of every run.

The report replaces the section after the marker line in --out (bench/bench.py keeps it).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

from pgserver import PgServer, find_pg_bin  # noqa: E402

from bench import CHECK_SQL, CREATE_SQL, MARKER, Run, fill, fresh_target, log, sql, timed  # noqa: E402

TARGET_UNCHANGED = 1.3
TARGET_FIRST = 1.5
TARGET_RESTORE = 1.3
TARGET_RSS_MB = 200.0


def tune(work: Path) -> list[str]:
    import pyrage

    from mvdb_core.demo import generate
    from mvdb_core.jsonvalue import dumps
    from mvdb_core.keys import Keys
    from mvdb_core.repository import LEAF_MAX, LEAF_MIN, init_repository
    from mvdb_core.stores import open_store

    url = f"sqlite://{work}/tune.sqlite3"
    rows = list(generate(55_000, seed=1))
    size = sum(len(k) + len(v) + 22 for k, v in rows)
    with open_store(url) as store:
        store.create_table()
        store.write(rows)
    edited = [rows[i][0] for i in range(len(rows) // 11, len(rows), len(rows) // 10)][:10]
    identity = pyrage.x25519.Identity.generate()
    keys = Keys(recipients=[identity.to_public()], recipient_texts=[str(identity.to_public())])
    lines = [
        f"Tuning: {len(rows):,} demo rows ({size / 1e6:.1f} MB as backup lines), age-encrypted folder repository; "
        f"leaves cut at a key whose CRC-32 has its low *bits* bits zero, at least {LEAF_MIN // 1024} KB, at most "
        f"{LEAF_MAX // 1024} KB.",
        "",
        "| cut bits | zstd level | leaves | first snapshot MB | first s | unchanged: added | 10 rows edited: added |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    import zstandard

    text = b"".join(b'{"key":"' + k.encode() + b'","value":' + v + b"},\n" for k, v in rows)
    pieces = [text[i : i + 150_000] for i in range(0, len(text), 150_000)]  # about one leaf each
    speed = ["", "| zstd level | MB/s (one core, leaf-sized pieces, best of 3) | compressed MB |", "|---:|---:|---:|"]
    for level in (1, 2, 3, 6):
        compressor = zstandard.ZstdCompressor(level=level)
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            packed = sum(len(compressor.compress(p)) for p in pieces)
            best = min(best, time.perf_counter() - start)
        speed.append(f"| {level} | {len(text) / 1e6 / best:,.0f} | {packed / 1e6:.2f} |")
    for bits, level in ((6, 1), (7, 1), (8, 1), (8, 3), (8, 6), (9, 1)):
        with open_store(url) as store:  # the same rows before every configuration
            store.write(rows)
        repo = init_repository(str(work / f"tune-{bits}-{level}"), "age", keys, level=level, leaf_bits=bits)
        with open_store(url) as store:
            start = time.perf_counter()
            first = repo.snapshot(store, Keys())
            seconds = time.perf_counter() - start
            same = repo.snapshot(store, Keys())
            store.write([(k, dumps({"edited": n})) for n, k in enumerate(edited)])
            changed = repo.snapshot(store, Keys())
        lines.append(
            f"| {bits} | {level} | {first.new_leaves:,} | {first.new_bytes / 1e6:.2f} | {seconds:.2f} "
            f"| {same.new_bytes / 1e3:.1f} KB ({same.new_bytes / first.new_bytes:.2%}) "
            f"| {changed.new_bytes / 1e3:.1f} KB ({changed.new_bytes / first.new_bytes:.2%}) |"
        )
        log(lines[-1])
        shutil.rmtree(work / f"tune-{bits}-{level}")
    return lines + speed


def timings(rows_list: list[int], repeat: int, work: Path) -> tuple[list[str], list[tuple[str, bool]]]:
    import pyrage

    pg_bin = find_pg_bin()
    if pg_bin is None:
        raise SystemExit("PostgreSQL binaries not found (install postgresql)")
    identity = pyrage.x25519.Identity.generate()
    key_file = work / "key.txt"
    key_file.write_text(str(identity) + "\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MVDB_STATE_DIR": str(work / "state")}
    py = [sys.executable, "-m", "mvdb_core"]
    logfile = work / "commands.log"
    lines = [
        "| rows | backup s | first snapshot s | ratio (≤ 1.5) | unchanged snapshot s | ratio (≤ 1.3) "
        "| restore file s | restore --repo s | ratio (≤ 1.3) | peak RSS MB (snapshot / restore --repo) |",
        "|---:|---:|---:|---|---:|---|---:|---:|---|---|",
    ]
    checks: list[tuple[str, bool]] = []
    server = PgServer(pg_bin).start()
    try:
        src, dst = server.create_db("repo_src"), server.create_db("repo_dst")
        sql(src, CREATE_SQL)
        sql(dst, CREATE_SQL)
        have = 0
        for rows in rows_list:
            fill(src, "mvdb", have, rows)
            have = rows
            expected = sql(src, CHECK_SQL)
            backup_runs, first_runs, same_runs, file_runs, repo_runs = [], [], [], [], []
            for n in range(repeat):
                out = work / "out"
                shutil.rmtree(out, ignore_errors=True)
                out.mkdir()
                repo = work / f"repo-{rows}-{n}"
                backup_runs.append(timed([*py, "backup", "--store", src, "--out", str(out)], logfile, work, env))
                subprocess.run([*py, "init", "--repo", str(repo), "--recipient", str(identity.to_public())],
                               env=env, check=True, capture_output=True)
                first_runs.append(timed([*py, "snapshot", "--store", src, "--repo", str(repo)], logfile, work, env))
                same_runs.append(timed([*py, "snapshot", "--store", src, "--repo", str(repo)], logfile, work, env))
                log(f"{rows:,} rows run {n + 1}: backup {backup_runs[-1].seconds:.2f} s, first snapshot "
                    f"{first_runs[-1].seconds:.2f} s, unchanged {same_runs[-1].seconds:.2f} s")
                [plain] = out.glob("*.json")
                for runs, args in ((file_runs, [str(plain)]), (repo_runs, ["--repo", str(repo), "--identity",
                                                                            str(key_file)])):
                    fresh_target(dst)
                    runs.append(timed([*py, "restore", *args, "--store", dst, "--yes", "--snapshot-dir",
                                       str(work / "snaps")], logfile, work, env))
                    if sql(dst, CHECK_SQL) != expected:
                        raise SystemExit("a restore differs from the source")
                log(f"{rows:,} rows run {n + 1}: restore file {file_runs[-1].seconds:.2f} s, --repo "
                    f"{repo_runs[-1].seconds:.2f} s (both checked)")
                shutil.rmtree(repo)
            best = {name: min(r.seconds for r in runs) for name, runs in (
                ("backup", backup_runs), ("first", first_runs), ("same", same_runs), ("file", file_runs),
                ("repo", repo_runs))}
            peak = max(r.maxrss_kib for r in [*first_runs, *same_runs, *repo_runs]) / 1024
            f_ratio, s_ratio, r_ratio = (best["first"] / best["backup"], best["same"] / best["backup"],
                                         best["repo"] / best["file"])
            lines.append(
                f"| {rows:,} | {best['backup']:.2f} | {best['first']:.2f} | {_cell(f_ratio, TARGET_FIRST)} "
                f"| {best['same']:.2f} | {_cell(s_ratio, TARGET_UNCHANGED)} | {best['file']:.2f} | {best['repo']:.2f} "
                f"| {_cell(r_ratio, TARGET_RESTORE)} | {_peak(first_runs + same_runs)} / {_peak(repo_runs)} |"
            )
            at = f"at {rows:,} rows"
            checks += [
                (f"first snapshot ≤ {TARGET_FIRST}× backup {at} ({f_ratio:.2f}×)", f_ratio <= TARGET_FIRST),
                (f"unchanged snapshot ≤ {TARGET_UNCHANGED}× backup {at} ({s_ratio:.2f}×)", s_ratio <= TARGET_UNCHANGED),
                (f"restore --repo ≤ {TARGET_RESTORE}× restore FILE {at} ({r_ratio:.2f}×)", r_ratio <= TARGET_RESTORE),
                (f"peak RSS < {TARGET_RSS_MB:.0f} MB {at} ({peak:.1f} MB)", peak < TARGET_RSS_MB),
            ]
    finally:
        server.stop()
    return lines, checks


def _cell(ratio: float, target: float) -> str:
    return f"{ratio:.2f} {'PASS' if ratio <= target else 'FAIL'}"


def _peak(runs: list[Run]) -> str:
    return f"{max(r.maxrss_kib for r in runs) / 1024:.1f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, action="append", help="row count (repeatable; default 200000)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", default=str(ROOT / "docs" / "benchmarks.md"))
    parser.add_argument("--skip-tuning", action="store_true")
    args = parser.parse_args(argv)
    rows = sorted(set(args.rows or [200_000]))
    work = Path(tempfile.mkdtemp(prefix="mvdb-bench-repo-"))
    os.environ["MVDB_STATE_DIR"] = str(work / "state")  # writer keys of the throwaway repositories
    try:
        # Timings first: a child's ru_maxrss counts what it inherited at fork, and tuning grows this process.
        table, checks = timings(rows, args.repeat, work)
        tuned = [] if args.skip_tuning else tune(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    command = "python bench/repository.py " + " ".join([f"--rows {n}" for n in rows] + [f"--repeat {args.repeat}"])
    section = [
        MARKER, "", "## Snapshot repository", "", "Produced by:", "", "```sh", command, "```", "",
        f"Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; same machine and method as above "
        "(subprocesses, wall clock, best of the runs, restores checked against the source).", "",
        *tuned, "", *table, "", "Targets:", "",
        *[f"- {'PASS' if ok else 'FAIL'}: {text}" for text, ok in checks], "",
    ]
    out = Path(args.out)
    before = out.read_text().split(MARKER)[0].rstrip() + "\n\n" if out.exists() else ""
    out.write_text(before + "\n".join(section))
    print("\n".join(section))
    return 0


if __name__ == "__main__":
    sys.exit(main())
