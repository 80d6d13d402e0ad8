"""Compression (zstd, gzip) and age encryption around the plain 3.0.0 text, for files and for repository objects.

The layers are the ones the command-line programs write (`zstd`, `gzip`, `age`), so that
`age -d -i key.txt f.json.zst.age | zstd -d` gives back a plain backup file and our readers open
what those programs made. Readers recognise a layer by its magic bytes, not by the file name.
Files are processed as streams; a passphrase-encrypted file is the exception (the age library
offers passphrase encryption only on whole byte strings), see docs/repository.md.
"""

from __future__ import annotations

import gzip
import shutil
import tempfile
import threading
import zlib
from pathlib import Path
from typing import Any, BinaryIO

import pyrage
import zstandard

from .errors import InvalidBackupError, UsageError
from .keys import IDENTITY_ENV, PASSPHRASE_ENV, Keys

COMPRESSIONS = ("zstd", "gzip")
SUFFIXES = {"zstd": ".zst", "gzip": ".gz", "age": ".age"}
ZSTD_LEVEL = 3  # docs/benchmarks.md: level 3 compresses MVDB rows about 5x at a few hundred MB/s
_MAGIC = {
    b"\x28\xb5\x2f\xfd": "zstd",
    b"\x1f\x8b": "gzip",
    b"age-encryption.org/v1\n": "age",
    b"-----BEGIN AGE ENCRYPTED FILE-----": "age",
}
_COPY = 1 << 20
_MAX_LAYERS = 4  # age around zstd around gzip is already more than anyone writes


def layer_of(head: bytes) -> str | None:
    """The outermost layer a file or object starts with: "age", "zstd", "gzip", or None for plain text."""
    for magic, name in _MAGIC.items():
        if head.startswith(magic):
            return name
    return None


def suffix(compression: str | None, encrypted: bool) -> str:
    return (SUFFIXES[compression] if compression else "") + (SUFFIXES["age"] if encrypted else "")


def plain_name(name: str) -> str:
    """`x.json.zst.age` -> `x.json`: the name a decoded copy is given."""
    for ext in (".age", ".zst", ".gz"):
        name = name.removesuffix(ext)
    return name


# --------------------------------------------------------------------------------------------
# Files


def seal_file(plain: Path, out: BinaryIO, compression: str | None, keys: Keys, middle: Path) -> None:
    """Write `plain` compressed and/or encrypted to `out`; `middle` is a new file's name for the step between."""
    if compression and keys.encrypts:
        try:
            with open(plain, "rb") as src, open(middle, "xb") as dst:
                _compress(src, dst, compression)
            with open(middle, "rb") as src:
                _encrypt(src, out, keys)
        finally:
            middle.unlink(missing_ok=True)
        return
    with open(plain, "rb") as src:
        if compression:
            _compress(src, out, compression)
        elif keys.encrypts:
            _encrypt(src, out, keys)
        else:
            shutil.copyfileobj(src, out, _COPY)


def decode_file(path: Path, keys: Keys, work: Path) -> Path:
    """A plain copy of a compressed and/or encrypted file, in `work` (the file itself when it is plain)."""
    current = path
    for depth in range(_MAX_LAYERS):
        with open(current, "rb") as f:
            head = f.read(64)
        layer = layer_of(head)
        if layer is None:
            return current
        (work / str(depth)).mkdir()
        target = work / str(depth) / plain_name(path.name)  # messages about the content name the inner file
        try:
            with open(current, "rb") as src, open(target, "xb") as dst:
                if layer == "age":
                    _decrypt(src, dst, keys, path.name)
                else:
                    _decompress(src, dst, layer, path.name)
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        if current != path:
            current.unlink()
        current = target
    raise InvalidBackupError(f"invalid backup file: {path.name} is wrapped in more than {_MAX_LAYERS} layers")


def private_folder() -> tempfile.TemporaryDirectory[str]:
    """A folder only this user can read, for decoded copies (removed when the object is garbage collected)."""
    return tempfile.TemporaryDirectory(prefix="mvdb-")


def _compress(src: BinaryIO, dst: BinaryIO, compression: str) -> None:
    if compression == "zstd":
        zstandard.ZstdCompressor(level=ZSTD_LEVEL).copy_stream(src, dst, read_size=_COPY, write_size=_COPY)
    elif compression == "gzip":
        with gzip.GzipFile(fileobj=dst, mode="wb", compresslevel=6, mtime=0) as z:
            shutil.copyfileobj(src, z, _COPY)
    else:
        raise UsageError(f"unknown compression {compression!r}; choose {' or '.join(COMPRESSIONS)}")


def _decompress(src: BinaryIO, dst: BinaryIO, layer: str, name: str) -> None:
    try:
        if layer == "zstd":
            _unzstd(src, dst)
        else:
            with gzip.GzipFile(fileobj=src, mode="rb") as z:
                shutil.copyfileobj(z, dst, _COPY)
    except (zstandard.ZstdError, gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise InvalidBackupError(
            f"invalid backup file: the {layer} data of {name} is damaged or truncated ({str(exc)[:80]}); "
            "use an intact copy"
        ) from None


def _unzstd(src: BinaryIO, dst: BinaryIO) -> None:
    """Every frame (the zstd program may write several); a frame cut short is an error, not a shorter file."""
    decompressor = zstandard.ZstdDecompressor()
    frame, started = decompressor.decompressobj(), False
    while chunk := src.read(_COPY):
        while chunk:
            started = True
            dst.write(frame.decompress(chunk))
            chunk = b""
            if frame.eof:
                chunk = frame.unused_data
                frame, started = decompressor.decompressobj(), False
    if started:
        raise zstandard.ZstdError("the last frame is cut short")


def _encrypt(src: BinaryIO, dst: BinaryIO, keys: Keys) -> None:
    if keys.passphrase is not None:  # whole-bytes only in the age library: see the module docstring
        dst.write(pyrage.passphrase.encrypt(src.read(), keys.passphrase))
    else:
        pyrage.encrypt_io(src, dst, keys.recipients)


def _decrypt(src: BinaryIO, dst: BinaryIO, keys: Keys, name: str) -> None:
    header = src.read(4096)
    src.seek(0)
    if b"\n-> scrypt " in header:
        if keys.passphrase is None:
            raise UsageError(f"{name} is encrypted with a passphrase: set {PASSPHRASE_ENV} or pass --passphrase")
        try:
            dst.write(pyrage.passphrase.decrypt(src.read(), keys.passphrase))
        except pyrage.DecryptError:
            raise UsageError(f"the passphrase does not decrypt {name}; check {PASSPHRASE_ENV}") from None
        return
    if not keys.identities:
        raise UsageError(
            f"{name} is encrypted with age: give the identity file with --identity FILE (or set {IDENTITY_ENV})"
        )
    try:
        pyrage.decrypt_io(src, dst, keys.identities)
    except OSError as exc:
        if exc.errno is not None:  # the disk, not the data
            raise
        raise InvalidBackupError(f"invalid backup file: the age data of {name} is damaged or truncated") from None
    except pyrage.DecryptError as exc:
        if "No matching keys" in str(exc):
            raise UsageError(
                f"none of the given age identities can decrypt {name}; give the identity whose public key it "
                "was encrypted to"
            ) from None
        raise InvalidBackupError(f"invalid backup file: the age data of {name} is damaged or truncated") from None


# --------------------------------------------------------------------------------------------
# Repository objects: small byte strings, compressed then encrypted


_THREAD = threading.local()


def _compressor(level: int) -> Any:
    """One compressor per thread and level (they are not thread-safe, and making one costs a quarter of a leaf)."""
    cached = getattr(_THREAD, "zstd", None)
    if cached is None or cached[0] != level:
        cached = _THREAD.zstd = (level, zstandard.ZstdCompressor(level=level))
    return cached[1]


def seal_bytes(data: bytes, level: int, recipients: list[Any]) -> bytes:
    packed = _compressor(level).compress(data)
    return pyrage.encrypt(packed, recipients) if recipients else packed


def open_bytes(data: bytes, identities: list[Any], what: str) -> bytes:
    """The plaintext of a repository object; `what` names it in errors (snapshot and leaf)."""
    return unzstd(open_age(data, identities, what), what)


def open_age(data: bytes, identities: list[Any], what: str) -> bytes:
    """A repository object without its age layer (when it has one): the zstd frame of its plaintext."""
    if layer_of(data[:32]) != "age":
        return data
    if not identities:
        raise UsageError(
            f"{what} is encrypted: give the repository's identity with --identity FILE (or set {IDENTITY_ENV})"
        )
    try:
        return bytes(pyrage.decrypt(data, identities))
    except pyrage.DecryptError as exc:
        if "No matching keys" in str(exc):
            raise UsageError(
                f"none of the given age identities can decrypt {what}; give the repository's identity"
            ) from None
        raise InvalidBackupError(f"{what} is damaged (it does not decrypt); nothing was written") from None


def unzstd(frame: bytes, what: str) -> bytes:
    """The plaintext of one zstd frame; the decompressor is reused per thread, like the compressors."""
    decompressor = getattr(_THREAD, "unzstd", None)
    if decompressor is None:
        decompressor = _THREAD.unzstd = zstandard.ZstdDecompressor()
    try:
        return bytes(decompressor.decompress(frame))
    except zstandard.ZstdError:
        raise InvalidBackupError(f"{what} is damaged (it does not decompress); nothing was written") from None
