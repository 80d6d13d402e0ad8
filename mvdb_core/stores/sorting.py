"""External sort of rows by key in code-point order, with bounded memory.

A server may return rows in its own collation order (e.g. en_US, where `movie_link:1` sorts
before `movie:a`), while every stream in the core must be in code-point order (Python's `str`
order). Up to `run_size` rows are sorted in memory; beyond that, sorted runs are spilled to
anonymous temporary files and merged with `heapq.merge`.
"""

from __future__ import annotations

import heapq
import struct
import tempfile
from collections.abc import Iterable, Iterator
from operator import itemgetter
from typing import IO

from .base import Row

RUN_SIZE = 50_000
MAX_OPEN_RUNS = 64
_HEADER = struct.Struct("<II")
_by_key = itemgetter(0)


def external_sort(rows: Iterable[Row], run_size: int = RUN_SIZE, tmp_dir: str | None = None,
                  max_open_runs: int = MAX_OPEN_RUNS) -> Iterator[Row]:
    """Yield `rows` sorted by key (code-point order), holding at most `run_size` rows in memory.

    Equal keys keep their input order. Temporary files are removed when the iterator is exhausted
    or closed.
    """
    if run_size < 1:
        raise ValueError("run_size must be at least 1")
    runs: list[IO[bytes]] = []
    try:
        run: list[Row] = []
        for row in rows:
            run.append(row)
            if len(run) >= run_size:
                run.sort(key=_by_key)
                runs.append(_spill(run, tmp_dir))
                run = []
                if len(runs) >= max_open_runs:  # keep the number of open files bounded
                    merged = _spill(heapq.merge(*map(_read, runs), key=_by_key), tmp_dir)
                    _close(runs)
                    runs = [merged]
        run.sort(key=_by_key)
        if not runs:
            yield from run
            return
        yield from heapq.merge(*map(_read, runs), run, key=_by_key)
    finally:
        _close(runs)


def pages(rows: Iterable[Row], page_size: int) -> Iterator[list[Row]]:
    """Cut a row stream into lists of `page_size` rows (the last one may be shorter)."""
    page: list[Row] = []
    for row in rows:
        page.append(row)
        if len(page) >= page_size:
            yield page
            page = []
    if page:
        yield page


def _spill(rows: Iterable[Row], tmp_dir: str | None) -> IO[bytes]:
    f = tempfile.TemporaryFile(dir=tmp_dir, buffering=1 << 16)
    pack, write = _HEADER.pack, f.write
    for key, value in rows:
        k = key.encode("utf-8", "surrogatepass")
        write(pack(len(k), len(value)))
        write(k)
        write(value)
    f.flush()
    return f


def _read(f: IO[bytes]) -> Iterator[Row]:
    f.seek(0)
    read, size, unpack = f.read, _HEADER.size, _HEADER.unpack
    while True:
        head = read(size)
        if not head:
            return
        klen, vlen = unpack(head)
        yield read(klen).decode("utf-8", "surrogatepass"), read(vlen)


def _close(files: list[IO[bytes]]) -> None:
    for f in files:
        f.close()
