"""A keyring backend for tests, through keyring's own backend interface: secrets in a JSON
file named by ``QBO_TEST_KEYRING`` (so a subprocess sees what the test sees). Selected with
``PYTHON_KEYRING_BACKEND=tests.qbo.file_keyring.FileKeyring``."""

from __future__ import annotations

import json
import os
from pathlib import Path

from jaraco.classes import properties
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class FileKeyring(KeyringBackend):
    @properties.classproperty
    def priority(cls) -> float:  # noqa: N805 - keyring's class property
        """Viable only where a test named the file (keyring never picks it by itself)."""
        if "QBO_TEST_KEYRING" not in os.environ:
            raise RuntimeError("a keyring for tests that set QBO_TEST_KEYRING")
        return 1

    @property
    def path(self) -> Path:
        return Path(os.environ["QBO_TEST_KEYRING"])

    def _load(self) -> dict[str, str]:
        return json.loads(self.path.read_text()) if self.path.exists() else {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}\x1f{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._load()
        data[f"{service}\x1f{username}"] = password
        self.path.write_text(json.dumps(data))

    def delete_password(self, service: str, username: str) -> None:
        data = self._load()
        if data.pop(f"{service}\x1f{username}", None) is None:
            raise PasswordDeleteError(username)
        self.path.write_text(json.dumps(data))
