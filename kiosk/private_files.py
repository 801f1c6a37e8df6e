"""Files only the kiosk's own user may read or write: the journal, the logs, the PIN lockout.

They hold payment ids, patients' masked names and the technician lockout; other users of the
machine have no business reading them, and none at all changing them. On POSIX a new directory
is made 0700 and a file 0600 (an existing file of ours is made so too); elsewhere the platform's
defaults for the user's own folders apply.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """Make ``path`` (and missing parents); a directory made here is owner-only."""
    path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty and owner-only unless it exists; an existing one is made so."""
    private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE_MODE)
    os.close(fd)
    if os.name == "posix":
        with contextlib.suppress(OSError):  # not ours to change; leave it as it is
            os.chmod(path, PRIVATE_FILE_MODE)
    return path
