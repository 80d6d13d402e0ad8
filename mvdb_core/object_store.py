"""Where a repository's objects live: a local folder or an S3-compatible bucket.

One small interface (`ObjectStore`): whole objects by name (`leaves/ab/abcd...`), written
atomically (a reader sees all of an object or none of it), listed by prefix. S3 settings come
from the standard AWS variables (`AWS_ENDPOINT_URL`, `AWS_ACCESS_KEY_ID`,
`AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, `AWS_PROFILE`), so MinIO, R2, B2 and Supabase Storage's S3
endpoint work as they are.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import secrets
from collections.abc import Iterator, Mapping
from contextlib import suppress
from pathlib import Path
from typing import Any, Protocol

from .errors import MvdbError, PermissionDenied, Unreachable, UsageError

try:
    _LIBC: Any = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    _LIBC.syncfs  # noqa: B018  (present on Linux only)
except (OSError, AttributeError):
    _LIBC = None


class RepositoryError(MvdbError):
    """The repository is missing, damaged, or its storage failed."""

    exit_code = 1


class ObjectMissing(RepositoryError):
    """An object the repository refers to is not there."""


class ObjectStore(Protocol):
    url: str

    def get(self, name: str) -> bytes: ...
    def put(self, name: str, data: bytes) -> None: ...
    def exists(self, name: str) -> bool: ...
    def list(self, prefix: str) -> Iterator[tuple[str, int]]:
        """(name, size) of every object whose name starts with `prefix`."""
        ...
    def delete(self, name: str) -> None: ...
    def flush(self) -> None:
        """Make every object put so far durable (a snapshot object is put only after its leaves are)."""
        ...


class FolderStore:
    """Objects as files under a folder, each written to a temp name and renamed (never seen half-written).

    `flush()` syncs the whole file system once (syncfs) instead of one fsync per leaf: a snapshot
    writes thousands of small leaves, and one sync for all of them is what keeps a first snapshot
    within 1.5x of a backup's time (docs/benchmarks.md).
    """

    def __init__(self, path: str) -> None:
        self.root = Path(path)
        self.url = str(self.root)
        self._folders: set[str] = set()  # made already: one mkdir per folder, not per object

    def get(self, name: str) -> bytes:
        try:
            return (self.root / name).read_bytes()
        except FileNotFoundError:
            raise ObjectMissing(f"{name} is missing from the repository {self.url}") from None

    def put(self, name: str, data: bytes) -> None:
        path = os.path.join(self.url, name)
        folder, base = os.path.split(path)
        if folder not in self._folders:
            os.makedirs(folder, exist_ok=True)
            self._folders.add(folder)
        tmp = os.path.join(folder, f".{base}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        try:
            with open(tmp, "xb") as f:
                f.write(data)
            os.rename(tmp, path)
        except BaseException:
            with suppress(OSError):
                os.unlink(tmp)
            raise

    def flush(self) -> None:
        fd = os.open(self.root, os.O_RDONLY)
        try:
            if _LIBC is not None and _LIBC.syncfs(fd) == 0:
                return
            os.sync()  # no syncfs here: sync every file system
        finally:
            os.close(fd)

    def exists(self, name: str) -> bool:
        return (self.root / name).is_file()

    def list(self, prefix: str) -> Iterator[tuple[str, int]]:
        base = self.root / prefix
        if not base.is_dir():
            return
        for folder, _dirs, files in os.walk(base):
            for file in files:
                if file.startswith("."):  # a temp file of a write in progress (or killed)
                    continue
                path = Path(folder) / file
                yield path.relative_to(self.root).as_posix(), path.stat().st_size

    def delete(self, name: str) -> None:
        (self.root / name).unlink(missing_ok=True)


S3_SETTINGS = ("aws_access_key_id", "aws_secret_access_key", "endpoint_url", "region")


class S3Store:
    """Objects in `s3://bucket/prefix` through boto3 (a PUT is atomic: readers never see half an object)."""

    def __init__(self, url: str, settings: Mapping[str, str | None] | None = None) -> None:
        """`settings` (aws_access_key_id, aws_secret_access_key, endpoint_url, region) override the AWS variables.

        A server process that serves several repositories (the dashboard) passes each one's own
        credentials here instead of changing its environment, which every thread shares.
        """
        import boto3  # imported here: commands that never touch S3 start faster
        from botocore.config import Config

        rest = url.removeprefix("s3://")
        self.bucket, _, prefix = rest.partition("/")
        if not self.bucket:
            raise UsageError(f"{url} names no bucket; write s3://BUCKET/PREFIX")
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.url = url
        config = Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5, read_timeout=60,
                        max_pool_connections=16)
        given = {k: v for k, v in (settings or {}).items() if v}
        unknown = set(given) - set(S3_SETTINGS)
        if unknown:
            raise UsageError(f"unknown S3 setting {', '.join(sorted(unknown))}; use {', '.join(S3_SETTINGS)}")
        if "region" in given:
            given["region_name"] = given.pop("region")
        self.client: Any = boto3.client("s3", config=config, **given)

    def _key(self, name: str) -> str:
        return self.prefix + name

    def get(self, name: str) -> bytes:
        with self._errors(name):
            try:
                return self.client.get_object(Bucket=self.bucket, Key=self._key(name))["Body"].read()
            except self.client.exceptions.NoSuchKey:
                raise ObjectMissing(f"{name} is missing from the repository {self.url}") from None

    def put(self, name: str, data: bytes) -> None:
        with self._errors(name):
            self.client.put_object(Bucket=self.bucket, Key=self._key(name), Body=data)

    def exists(self, name: str) -> bool:
        from botocore.exceptions import ClientError

        with self._errors(name):
            try:
                self.client.head_object(Bucket=self.bucket, Key=self._key(name))
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                    return False
                raise
            return True

    def list(self, prefix: str) -> Iterator[tuple[str, int]]:
        with self._errors(prefix):
            pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self._key(prefix))
            for page in pages:
                for item in page.get("Contents", []):
                    yield item["Key"][len(self.prefix) :], item["Size"]

    def delete(self, name: str) -> None:
        with self._errors(name):
            self.client.delete_object(Bucket=self.bucket, Key=self._key(name))

    def flush(self) -> None:
        """Nothing to do: S3 acknowledges a PUT once the object is stored."""

    def _errors(self, name: str) -> _S3Errors:
        return _S3Errors(self, name)


class _S3Errors:
    """Turns boto3's exceptions into one-line repository errors that say what to check."""

    def __init__(self, store: S3Store, name: str) -> None:
        self.store, self.name = store, name

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc is None or isinstance(exc, MvdbError):
            return
        from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

        where = f"{self.store.url} ({self.name})"
        if isinstance(exc, NoCredentialsError):
            raise UsageError(
                f"no S3 credentials for {self.store.url}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
                "(and AWS_ENDPOINT_URL for a non-AWS server)"
            ) from None
        if isinstance(exc, ClientError):
            error = exc.response.get("Error", {})
            code = str(error.get("Code", ""))
            if code == "NoSuchBucket":
                raise RepositoryError(f"the bucket {self.store.bucket} does not exist; create it first") from None
            if code in ("AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "403"):
                raise PermissionDenied(
                    f"the S3 server refused access to {where} ({code}); check the credentials and the bucket policy"
                ) from None
            message = str(error.get("Message", ""))[:120]
            raise RepositoryError(f"the S3 server refused {where}: {code} {message}") from None
        if isinstance(exc, BotoCoreError):
            raise Unreachable(
                f"cannot reach the S3 server for {self.store.url}: {str(exc)[:160]}; check AWS_ENDPOINT_URL and "
                "the network"
            ) from None


def open_object_store(url: str, s3: Mapping[str, str | None] | None = None) -> ObjectStore:
    """A repository location: `s3://bucket/prefix`, or a local folder (a path or file:// URL); `s3`: see S3Store."""
    if url.startswith("s3://"):
        return S3Store(url, s3)
    if "://" in url and not url.startswith("file://"):
        raise UsageError(f"unsupported repository location {url}; use a folder path or s3://bucket/prefix")
    return FolderStore(url.removeprefix("file://"))
