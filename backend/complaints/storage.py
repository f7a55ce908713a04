"""Evidence files, kept outside any web root, stored only when their transaction commits.

Two stores, one contract, chosen by ADUAN_STORAGE_URL (`store_from_config`): a local folder
(`file:///path`, or nothing: UPLOAD_DIR, the default of `make run`) or an S3-compatible object
store (`s3://bucket/prefix?endpoint=...&region=...`), which several hosts share.

A file is written under a temporary key first (`stage`, inside the request's transaction);
when the session commits, it is copied to its final key and the temporary one removed
(`settle`); when the transaction ends any other way, the temporary one is removed (`discard`).
So a rolled-back upload leaves nothing, and no final key exists without its row.

A process killed between the commit and the settle leaves a row and a temporary object: the row
never points to nothing, because reading a key falls back to its temporary object (`open`),
and `backend.complaints.evidence.sweep_staged` (`flask storage sweep`) settles it later. A
temporary object without a row is never served (nothing names it) and is removed by that sweep
once it is older than an hour: its transaction is over by then.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO
from urllib.parse import parse_qs, urlsplit

from sqlalchemy.orm import Session, SessionTransaction

if TYPE_CHECKING:
    from flask import Flask

log = logging.getLogger(__name__)

# session.info: what the session's transaction staged, (store, key)
STAGED = "aduan_staged_files"
# Flask's app.extensions: the app's store
EXTENSION = "aduan_storage"


class StorageUnavailable(Exception):
    """The store could not be reached or refused the operation."""


class ObjectMissing(Exception):
    """Neither the key nor its temporary object is in the store."""


@dataclass(frozen=True)
class StoredObject:
    """What a store holds under a key: its size and SHA-256."""

    size: int
    sha256: str


class EvidenceStore(ABC):
    """Where evidence files are kept. Keys are opaque names (the attachments' storage_key)."""

    def stage(self, session: Session, key: str, content: bytes, at: datetime) -> None:
        """Write `content` under a temporary key; it becomes `key` if the session commits.

        `at` (the application's clock) is recorded so that the sweep can tell an abandoned
        temporary object from one whose transaction may still be running.
        """
        self.put_staged(key, content, at)
        session.info.setdefault(STAGED, []).append((self, key))

    def read(self, key: str) -> bytes:
        """The bytes kept under `key` (or its temporary object, not settled yet)."""
        stream, _size = self.open(key)
        with stream:
            return stream.read()

    def describe(self, key: str) -> StoredObject | None:
        """Size and SHA-256 of the object under the final `key`, or None if there is none."""
        if not self.exists(key):
            return None
        content = self.read(key)
        return StoredObject(len(content), hashlib.sha256(content).hexdigest())

    @abstractmethod
    def put_staged(self, key: str, content: bytes, at: datetime) -> None:
        """Write `content` under the temporary key of `key`."""

    @abstractmethod
    def put(self, key: str, content: bytes) -> None:
        """Write `content` under the final `key` (moving files in, never for an upload)."""

    @abstractmethod
    def settle(self, key: str) -> None:
        """The temporary object of `key` becomes `key` (nothing if it has gone already)."""

    @abstractmethod
    def discard(self, key: str) -> None:
        """Remove the temporary object of `key`, if any."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the object under the final `key`, if any."""

    @abstractmethod
    def open(self, key: str) -> tuple[BinaryIO, int]:
        """A stream of the object under `key` and its size; its temporary object if the
        commit that recorded it was not followed by its settle. ObjectMissing if neither."""

    @abstractmethod
    def exists(self, key: str) -> bool:
        """Whether the final `key` is in the store."""

    @abstractmethod
    def staged(self) -> Iterator[tuple[str, datetime]]:
        """The keys that have a temporary object, with the instant each was staged."""

    @abstractmethod
    def check(self) -> None:
        """Return if the store can be reached and written; raise StorageUnavailable if not."""


class LocalStore(EvidenceStore):
    """A folder on this host's disk; the temporary file of `key` is `.key.part` beside it."""

    def __init__(self, directory: str | Path) -> None:
        self.folder = Path(directory)

    def __repr__(self) -> str:
        return f"LocalStore({str(self.folder)!r})"

    def path_of(self, key: str) -> Path:
        """Where the file stored under `key` lives."""
        return self.folder / key

    def _temporary(self, key: str) -> Path:
        return self.folder / f".{key}.part"

    def put_staged(self, key: str, content: bytes, at: datetime) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        temporary = self._temporary(key)
        temporary.write_bytes(content)
        os.utime(temporary, (at.timestamp(), at.timestamp()))

    def put(self, key: str, content: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        temporary = self.folder / f".{key}.copy"
        temporary.write_bytes(content)
        os.replace(temporary, self.path_of(key))

    def settle(self, key: str) -> None:
        # gone: settled already (the sweep and the request may race)
        with contextlib.suppress(FileNotFoundError):
            os.replace(self._temporary(key), self.path_of(key))

    def discard(self, key: str) -> None:
        self._temporary(key).unlink(missing_ok=True)

    def delete(self, key: str) -> None:
        self.path_of(key).unlink(missing_ok=True)

    def open(self, key: str) -> tuple[BinaryIO, int]:
        for path in (self.path_of(key), self._temporary(key)):
            try:
                stream = path.open("rb")
            except FileNotFoundError:
                continue
            return stream, os.fstat(stream.fileno()).st_size
        raise ObjectMissing(key)

    def exists(self, key: str) -> bool:
        return self.path_of(key).is_file()

    def staged(self) -> Iterator[tuple[str, datetime]]:
        if not self.folder.is_dir():
            return
        for path in self.folder.glob(".*.part"):
            staged_at = datetime.fromtimestamp(path.stat().st_mtime, UTC)
            yield path.name[1 : -len(".part")], staged_at

    def check(self) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            probe = self.folder / ".check.probe"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as error:
            raise StorageUnavailable(f"{self.folder}: {error}") from error


class S3Store(EvidenceStore):
    """A bucket of an S3-compatible store (AWS S3, SeaweedFS, MinIO, Ceph), under `prefix`.

    The temporary object of `key` is `<prefix>staging/<key>`, carrying the instant it was staged
    in its metadata. The bucket is never public: every download is streamed through the app,
    after its access checks.
    """

    STAGED_AT = "staged-at"  # object metadata (x-amz-meta-staged-at)

    def __init__(
        self,
        *,
        bucket: str,
        prefix: str = "",
        endpoint: str | None = None,
        region: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
    ) -> None:
        import boto3
        from botocore.config import Config

        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.endpoint = endpoint
        # without keys, boto3's own chain: AWS_ACCESS_KEY_ID, ~/.aws, an instance role
        self.client = boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint,
            region_name=region,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            config=Config(
                s3={"addressing_style": "path"},
                connect_timeout=5,
                read_timeout=30,
                retries={"max_attempts": 3, "mode": "standard"},
            ),
        )

    def __repr__(self) -> str:
        return f"S3Store({self.bucket!r}, prefix={self.prefix!r}, endpoint={self.endpoint!r})"

    def object_key(self, key: str) -> str:
        """The bucket's key of the object stored under `key`."""
        return f"{self.prefix}{key}"

    def _temporary(self, key: str) -> str:
        return f"{self.prefix}staging/{key}"

    def _call(self, operation: str, **params: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.client, operation)(Bucket=self.bucket, **params)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in {"NoSuchKey", "404", "NotFound"}:
                raise ObjectMissing(params.get("Key", "")) from error
            raise StorageUnavailable(f"{operation}: {error}") from error
        except BotoCoreError as error:
            raise StorageUnavailable(f"{operation}: {error}") from error

    def put_staged(self, key: str, content: bytes, at: datetime) -> None:
        self._call(
            "put_object",
            Key=self._temporary(key),
            Body=content,
            Metadata={self.STAGED_AT: at.astimezone(UTC).isoformat()},
        )

    def put(self, key: str, content: bytes) -> None:
        self._call("put_object", Key=self.object_key(key), Body=content)

    def settle(self, key: str) -> None:
        try:
            self._call(
                "copy_object",
                Key=self.object_key(key),
                CopySource={"Bucket": self.bucket, "Key": self._temporary(key)},
                MetadataDirective="REPLACE",
            )
        except ObjectMissing:
            return  # settled already (the sweep and the request may race)
        self.discard(key)

    def discard(self, key: str) -> None:
        self._call("delete_object", Key=self._temporary(key))

    def delete(self, key: str) -> None:
        self._call("delete_object", Key=self.object_key(key))

    def open(self, key: str) -> tuple[BinaryIO, int]:
        for name in (self.object_key(key), self._temporary(key)):
            try:
                found = self._call("get_object", Key=name)
            except ObjectMissing:
                continue
            return found["Body"], int(found["ContentLength"])
        raise ObjectMissing(key)

    def exists(self, key: str) -> bool:
        try:
            self._call("head_object", Key=self.object_key(key))
        except ObjectMissing:
            return False
        return True

    def staged(self) -> Iterator[tuple[str, datetime]]:
        start = self._temporary("")
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=start
        )
        for page in pages:
            for item in page.get("Contents", []):
                key = item["Key"][len(start) :]
                try:
                    head = self._call("head_object", Key=item["Key"])
                except ObjectMissing:
                    continue  # settled meanwhile
                recorded = head.get("Metadata", {}).get(self.STAGED_AT)
                yield key, datetime.fromisoformat(recorded) if recorded else item["LastModified"]

    def check(self) -> None:
        self._call("head_bucket")


def store_from_config(config: dict[str, Any]) -> EvidenceStore:
    """The store ADUAN_STORAGE_URL names (`STORAGE_URL`); the UPLOAD_DIR folder without one."""
    url = config.get("STORAGE_URL") or ""
    if not url:
        return LocalStore(config["UPLOAD_DIR"])
    parts = urlsplit(url)
    if parts.scheme == "file":
        return LocalStore(parts.path)
    if parts.scheme == "s3" and parts.netloc:
        query = {name: values[-1] for name, values in parse_qs(parts.query).items()}
        return S3Store(
            bucket=parts.netloc,
            prefix=parts.path,
            endpoint=query.get("endpoint"),
            region=query.get("region"),
            access_key=config.get("STORAGE_ACCESS_KEY"),
            secret_key=config.get("STORAGE_SECRET_KEY"),
        )
    raise ValueError(
        f"ADUAN_STORAGE_URL: {url!r} is neither file:///path nor s3://bucket/prefix?endpoint=..."
    )


def store_of(app: Flask) -> EvidenceStore:
    """The app's evidence store (chosen once, by the app factory)."""
    store: EvidenceStore = app.extensions[EXTENSION]
    return store


def settle(session: Session) -> None:
    """After a commit: the staged files take their keys. A store that fails now leaves the
    temporary object, which reads fall back to and the sweep settles: the commit stands."""
    for store, key in session.info.pop(STAGED, []):
        try:
            store.settle(key)
        except (StorageUnavailable, OSError):
            log.warning("evidence %s stays staged in %r until the sweep settles it", key, store)


def discard(session: Session, transaction: SessionTransaction, *_: Any) -> None:
    """When the session's outermost transaction ends without a commit: remove what it staged.

    A temporary object the store fails to remove now is removed by the sweep an hour later.
    """
    if transaction.parent is not None:
        return
    for store, key in session.info.pop(STAGED, []):
        try:
            store.discard(key)
        except (StorageUnavailable, OSError):
            log.warning("evidence %s of a rolled-back upload is left to the sweep", key)
