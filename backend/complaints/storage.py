"""Evidence files on disk, outside any web root, stored only when their transaction commits.

A file is written under a temporary name first (`stage`); when the session commits, it takes
its name (`settle`); when the transaction ends any other way, it is removed (`discard`): a
rolled-back upload leaves nothing behind. A process killed between the commit and the rename
leaves the temporary file and a row whose file is missing, which downloads report as such.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, SessionTransaction

# session.info: the files of the session's transaction, (temporary path, final path)
STAGED = "aduan_staged_files"


def path_of(directory: str, key: str) -> Path:
    """Where the file stored under `key` lives."""
    return Path(directory) / key


def stage(session: Session, directory: str, key: str, content: bytes) -> None:
    """Write `content` under a temporary name; it becomes `key` if the session commits."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f".{key}.part"
    temporary.write_bytes(content)
    session.info.setdefault(STAGED, []).append((temporary, folder / key))


def settle(session: Session) -> None:
    """After a commit: the staged files take their names."""
    for temporary, final in session.info.pop(STAGED, []):
        os.replace(temporary, final)


def discard(session: Session, transaction: SessionTransaction, *_: Any) -> None:
    """When the session's outermost transaction ends without a commit: remove what it staged."""
    if transaction.parent is not None:
        return
    for temporary, _final in session.info.pop(STAGED, []):
        temporary.unlink(missing_ok=True)
