"""Where document files live. A small interface so object storage can replace the local directory.

Files are written atomically (temporary file, fsync, rename): a crash never leaves a half-written
file under a final key. No Django here, so worker processes can write files themselves.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Protocol


class StorageError(RuntimeError):
    pass


@dataclass(frozen=True)
class StoredFile:
    key: str
    sha256: str
    size: int


class DocumentStorage(Protocol):
    @property
    def name(self) -> str: ...

    def put(self, key: str, data: bytes) -> StoredFile: ...

    def read(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> bool: ...


def _check_key(key: str) -> PurePosixPath:
    path = PurePosixPath(key)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise StorageError(f"不正な保存キーです: {key!r}")
    return path


@dataclass(frozen=True)
class LocalDirectoryStorage:
    """Files under a local directory (default var/documents)."""

    root: Path
    name: str = "local"

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*_check_key(key).parts)

    def put(self, key: str, data: bytes) -> StoredFile:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        return StoredFile(key=key, sha256=hashlib.sha256(data).hexdigest(), size=len(data))

    def read(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as exc:
            raise StorageError(f"帳票ファイルが見つかりません: {key}") from exc

    def exists(self, key: str) -> bool:
        return self._path(key).exists()

    def delete(self, key: str) -> bool:
        """Remove the file (retention); False when there was none."""
        try:
            self._path(key).unlink()
        except FileNotFoundError:
            return False
        return True
