"""The running server's view of its users: picked up again when the settings file changes.

``qbconnector users add`` writes the settings file; a running server notices the new
modification time on the next request and reloads ``[Users.*]`` (an invalid file is logged
and the previous users stay in force). Password re-hashing writes back through the same file.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from qbconnector.server.settings import (
    Settings,
    SettingsError,
    User,
    load_settings,
    update_settings_file,
)

log = logging.getLogger("qbconnector.server")


class UserStore:
    """Current users, reloaded from the settings file at most once per ``recheck`` seconds."""

    def __init__(self, settings: Settings, *, recheck: float = 1.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._users: Mapping[str, User] = dict(settings.Users)
        self._path = settings.path if settings.path and os.path.exists(settings.path) else ""
        self._mtime = self._stat()
        self._recheck = recheck
        self._clock = clock
        self._next_check = clock() + recheck
        self._lock = threading.Lock()

    def _stat(self) -> float:
        try:
            return os.stat(self._path).st_mtime_ns if self._path else 0
        except OSError:
            return 0

    def users(self) -> Mapping[str, User]:
        """The users now in force."""
        if self._path and self._clock() >= self._next_check:
            self._next_check = self._clock() + self._recheck
            mtime = self._stat()
            if mtime != self._mtime:
                self._reload(mtime)
        return self._users

    def get(self, name: str) -> User | None:
        return self.users().get(name)

    def refresh(self) -> None:
        """Re-read the file now (the console saved a user: that user signs in at once, not
        after the next periodic check). Always read: two saves within the file system's
        timestamp tick leave the modification time unchanged."""
        if not self._path:
            return
        self._next_check = self._clock() + self._recheck
        self._reload(self._stat())

    def _reload(self, mtime: float) -> None:
        with self._lock:
            try:
                fresh = load_settings(self._path)
            except SettingsError as exc:
                log.error("settings file changed but is invalid; keeping the previous users: %s",
                          exc)
                self._mtime = mtime
                return
            self._users = dict(fresh.Users)
            self._mtime = mtime
            log.info("users reloaded from %s (%d users)", self._path, len(self._users))

    def replace_password(self, name: str, old: str, new: str) -> None:
        """Store a re-hashed password unless the stored one changed meanwhile."""
        with self._lock:
            current = self._users.get(name)
            if current is None or current.Password != old:
                return
            users = dict(self._users)
            users[name] = replace(current, Password=new)
            self._users = users
            if not self._path:
                return

            def change(raw: dict[str, Any]) -> None:
                table = raw.get("Users", {}).get(name)
                if isinstance(table, dict) and table.get("Password") == old:
                    table["Password"] = new

            try:
                update_settings_file(self._path, change)
                self._mtime = self._stat()
            except (OSError, SettingsError) as exc:
                log.warning("could not store the re-hashed password of %s: %s", name, exc)
                return
        log.info("password of user %s re-hashed with scrypt", name)
