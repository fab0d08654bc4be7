"""Development only: the mails the SMTP sink received, kept as files so a restart of
`make run` does not empty the mail viewer.

One `.eml` file per message, numbered in order of arrival, under `var/dev-mail/` (beside
the development database). The viewer reads them back; a file that is not a mail any more
(edited by hand) is shown as it parses, never a reason to fail.
"""

from __future__ import annotations

import os
import threading
from email.message import EmailMessage
from pathlib import Path

from subscribe_service.dev.smtpsink import PARSER, Received


class MailFolder:
    def __init__(self, folder: Path, port: int) -> None:
        self.folder = folder
        self.port = port  # the sink's, shown in the viewer
        self._lock = threading.Lock()
        self._parsed: dict[str, EmailMessage] = {}
        folder.mkdir(parents=True, exist_ok=True)

    def keep(self, item: Received) -> None:
        """Write one received mail; the listener of the sink."""
        with self._lock:
            number = len(self._names()) + 1
            partial = self.folder / f".{os.getpid()}-{number}.tmp"
            partial.write_bytes(item.raw)
            while True:  # another `make run` may share the folder: never overwrite its mail
                target = self.folder / f"{number:05d}.eml"
                try:
                    os.link(partial, target)  # the viewer never reads half a mail
                    break
                except FileExistsError:
                    number += 1
            partial.unlink()

    @property
    def messages(self) -> list[EmailMessage]:
        """Every kept mail, oldest first."""
        with self._lock:
            names = self._names()
            for name in names:
                if name not in self._parsed:
                    data = (self.folder / name).read_bytes()
                    self._parsed[name] = PARSER.parsebytes(data)  # type: ignore[assignment]
            return [self._parsed[name] for name in names]

    def _names(self) -> list[str]:
        return sorted(p.name for p in self.folder.glob("*.eml"))
