"""Media storage behind one interface: a local folder by default, S3-compatible object storage
when MEDIA_S3_BUCKET is set.

There are two areas. The public one holds image renditions named by their content hash,
served to anyone with a year-long cache lifetime. The private one holds uploads only some
people may see (bank-transfer proofs, exports); the app serves them after a permission check
with `Cache-Control: private, no-store`, or hands out a short-lived signed URL. On S3 the two
areas are prefixes of one bucket that is never public; locally they are two folders.
"""

import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from flask import Flask, current_app

#: Keys are `<two hex chars>/<name>`; names are the only thing taken from outside.
_KEY = re.compile(r"^[0-9a-f]{2}/[0-9A-Za-z._-]+$")
ONE_YEAR = 365 * 24 * 3600
PUBLIC_CACHE = f"public, max-age={ONE_YEAR}, immutable"
PRIVATE_CACHE = "private, no-store"


class Storage(Protocol):
    """Where media objects live; keys look like `ab/abcdef...-640.webp`."""

    def put(self, key: str, data: bytes, content_type: str = "image/webp") -> None: ...
    def get(self, key: str) -> bytes | None: ...
    def exists(self, key: str) -> bool: ...
    def delete(self, key: str) -> None: ...
    def keys(self) -> Iterator[tuple[str, float]]:
        """Every key with its modification time (POSIX seconds)."""
        ...
    def ping(self) -> None:
        """Raise if the storage cannot be reached (for /healthz)."""
        ...
    def signed_url(self, key: str, expires: int) -> str | None:
        """A URL valid for `expires` seconds, or None when only the app can serve it."""
        ...


def _checked(key: str) -> str:
    if not _KEY.match(key):
        raise ValueError(f"not a media key: {key!r}")
    return key


class LocalStorage:
    """Objects as files in a local directory, written atomically."""

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / _checked(key)

    def put(self, key: str, data: bytes, content_type: str = "image/webp") -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            return None

    def exists(self, key: str) -> bool:
        return self._path(key).exists()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def keys(self) -> Iterator[tuple[str, float]]:
        if not self.root.exists():
            return
        for path in self.root.glob("*/*"):
            if not path.name.startswith(".tmp-"):
                yield f"{path.parent.name}/{path.name}", path.stat().st_mtime

    def ping(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if not os.access(self.root, os.W_OK):
            raise OSError(f"{self.root} is not writable")

    def signed_url(self, key: str, expires: int) -> str | None:
        return None


class S3Storage:
    """Objects in an S3-compatible bucket (AWS, MinIO, Ceph...) under a prefix, via boto3."""

    def __init__(self, client, bucket: str, prefix: str, cache_control: str) -> None:
        self.client, self.bucket, self.prefix = client, bucket, prefix
        self.cache_control = cache_control

    def put(self, key: str, data: bytes, content_type: str = "image/webp") -> None:
        self.client.put_object(Bucket=self.bucket, Key=self.prefix + _checked(key), Body=data,
                               ContentType=content_type, CacheControl=self.cache_control)

    def get(self, key: str) -> bytes | None:
        try:
            reply = self.client.get_object(Bucket=self.bucket, Key=self.prefix + _checked(key))
        except self.client.exceptions.NoSuchKey:
            return None
        return reply["Body"].read()

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self.prefix + _checked(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.prefix + _checked(key))

    def keys(self) -> Iterator[tuple[str, float]]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket,
                                                                      Prefix=self.prefix)
        for page in pages:
            for item in page.get("Contents", ()):
                yield item["Key"][len(self.prefix):], item["LastModified"].timestamp()

    def ping(self) -> None:
        self.client.head_bucket(Bucket=self.bucket)

    def signed_url(self, key: str, expires: int) -> str | None:
        return self.client.generate_presigned_url(
            "get_object", ExpiresIn=expires,
            Params={"Bucket": self.bucket, "Key": self.prefix + _checked(key),
                    "ResponseCacheControl": PRIVATE_CACHE})


def s3_client(config):
    """A boto3 S3 client for MEDIA_S3_* settings (credentials may also come from boto3's chain)."""
    import boto3
    from botocore.config import Config as BotoConfig

    return boto3.client(
        "s3", endpoint_url=config.get("MEDIA_S3_ENDPOINT"),
        region_name=config.get("MEDIA_S3_REGION") or "us-east-1",
        aws_access_key_id=config.get("MEDIA_S3_ACCESS_KEY"),
        aws_secret_access_key=config.get("MEDIA_S3_SECRET_KEY"),
        config=BotoConfig(connect_timeout=3, read_timeout=10, retries={"max_attempts": 2},
                          s3={"addressing_style": "path"}),
    )


def _build(app: Flask) -> dict[str, Storage]:
    config = app.config
    if config.get("MEDIA_S3_BUCKET"):
        client = s3_client(config)
        bucket = config["MEDIA_S3_BUCKET"]
        return {"public": S3Storage(client, bucket, "public/", PUBLIC_CACHE),
                "private": S3Storage(client, bucket, "private/", PRIVATE_CACHE)}
    return {"public": LocalStorage(config["MEDIA_DIR"]),
            "private": LocalStorage(config["MEDIA_PRIVATE_DIR"])}


def get_storage(private: bool = False) -> Storage:
    """The app's public (renditions) or private (proofs, exports) storage area."""
    app = current_app._get_current_object()
    areas = app.extensions.get("media_storage")
    settings = (app.config.get("MEDIA_S3_BUCKET"), app.config.get("MEDIA_DIR"),
                app.config.get("MEDIA_PRIVATE_DIR"))
    if areas is None or areas[0] != settings:
        areas = app.extensions["media_storage"] = (settings, _build(app))
    return areas[1]["private" if private else "public"]


def uses_object_storage() -> bool:
    return bool(current_app.config.get("MEDIA_S3_BUCKET"))
