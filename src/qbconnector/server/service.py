"""Running the connector as a service: a systemd unit on Linux, a Windows service elsewhere.

The original connector installs itself as a Windows service (RunAsService). Here ``qbconnector
service install`` writes a systemd unit that runs ``qbconnector serve --config FILE``, and the
other actions map onto systemctl: start, stop, state (is-active), auto (enable), manual
(disable), disabled (mask). On Windows the same actions go through pywin32's service API.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from qbconnector.errors import QBConnectorError

ACTIONS = ("install", "delete", "start", "stop", "state", "auto", "manual", "disabled")
DEFAULT_NAME = "qbconnector"


class ServiceError(QBConnectorError, RuntimeError):
    """A service action that cannot be done here; the message says why and what to do."""


def serve_command_line(config: Path, python: str = sys.executable) -> list[str]:
    """What every service runs: ``serve`` with the settings file, so it serves the backend
    those settings name (``Backend``), as ``qbconnector serve --config FILE`` would."""
    return [python, "-m", "qbconnector.cli.main", "serve", "--config", str(config)]


@dataclass(frozen=True)
class SystemdUnit:
    """Where a unit lives and what it says."""

    name: str
    config: Path
    system: bool = False
    python: str = sys.executable

    @property
    def file_name(self) -> str:
        return f"{self.name}.service"

    def path(self, home: Path | None = None) -> Path:
        if self.system:
            return Path("/etc/systemd/system") / self.file_name
        base = Path(os.environ.get("XDG_CONFIG_HOME") or (home or Path.home()) / ".config")
        return base / "systemd" / "user" / self.file_name

    def text(self) -> str:
        """The unit file."""
        command = shlex.join(serve_command_line(self.config, self.python))
        target = "multi-user.target" if self.system else "default.target"
        return "\n".join([
            "[Unit]",
            "Description=qbconnector remote connector (QuickBooks Connector protocol)",
            "After=network-online.target",
            "Wants=network-online.target",
            "",
            "[Service]",
            "Type=simple",
            f"ExecStart={command}",
            "Restart=on-failure",
            "RestartSec=5",
            "NoNewPrivileges=true",
            "PrivateTmp=true",
            "",
            "[Install]",
            f"WantedBy={target}",
            "",
        ])


Runner = Callable[[Sequence[str]], subprocess.CompletedProcess]


def _run(args: Sequence[str]) -> subprocess.CompletedProcess:
    return subprocess.run(list(args), capture_output=True, text=True, check=False)


class SystemdService:
    """The service actions on a systemd machine."""

    def __init__(self, unit: SystemdUnit, *, runner: Runner = _run,
                 systemctl: str | None = None) -> None:
        self.unit = unit
        self.runner = runner
        self.systemctl = systemctl if systemctl is not None else shutil.which("systemctl")

    def _ctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        if not self.systemctl:
            raise ServiceError("systemctl is not available on this machine; the unit file is at "
                               f"{self.unit.path()} - start it with your service manager, or run "
                               f"'qbconnector serve --config {self.unit.config}'")
        scope = [] if self.unit.system else ["--user"]
        result = self.runner([self.systemctl, *scope, *args])
        if check and result.returncode != 0:
            raise ServiceError(f"systemctl {' '.join(args)} failed: "
                               f"{(result.stderr or result.stdout).strip()}")
        return result

    def install(self) -> str:
        path = self.unit.path()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.unit.text(), encoding="utf-8")
        message = f"wrote {path}"
        if self.systemctl:
            self._ctl("daemon-reload")
            message += "; systemd reloaded"
        return message

    def delete(self) -> str:
        path = self.unit.path()
        if self.systemctl and path.exists():
            self._ctl("disable", "--now", self.unit.file_name, check=False)
        if path.exists():
            path.unlink()
        if self.systemctl:
            self._ctl("daemon-reload", check=False)
        return f"removed {path}"

    def action(self, action: str) -> str:
        name = self.unit.file_name
        if action == "install":
            return self.install()
        if action == "delete":
            return self.delete()
        if action == "state":
            result = self._ctl("is-active", name, check=False)
            return (result.stdout or result.stderr).strip() or "unknown"
        commands = {"start": ("start",), "stop": ("stop",), "auto": ("unmask", "enable"),
                    "manual": ("disable",), "disabled": ("disable", "mask")}
        if action not in commands:
            raise ServiceError(f"unknown service action {action!r}; one of {', '.join(ACTIONS)}")
        for verb in commands[action]:
            self._ctl(verb, name)
        return f"{action}: done"


class WindowsService:
    """The service actions through pywin32 (imported only when used)."""

    def __init__(self, name: str, config: Path) -> None:
        try:
            import win32service  # type: ignore[import-not-found]  # noqa: F401
            import win32serviceutil  # type: ignore[import-not-found]  # noqa: F401
        except ImportError:
            raise ServiceError("the Windows service needs pywin32: "
                               "pip install 'qbconnector[windows]'") from None
        self.name, self.config = name, config

    def action(self, action: str) -> str:
        import win32service
        import win32serviceutil

        if action == "install":
            from qbconnector.server import winservice

            winservice.install(self.name, self.config)
            return f"installed Windows service {self.name}"
        if action == "delete":
            win32serviceutil.RemoveService(self.name)
            return f"removed Windows service {self.name}"
        if action == "start":
            win32serviceutil.StartService(self.name)
        elif action == "stop":
            win32serviceutil.StopService(self.name)
        elif action == "state":
            states = {win32service.SERVICE_RUNNING: "active",
                      win32service.SERVICE_STOPPED: "inactive",
                      win32service.SERVICE_START_PENDING: "activating",
                      win32service.SERVICE_STOP_PENDING: "deactivating"}
            status = win32serviceutil.QueryServiceStatus(self.name)[1]
            return states.get(status, f"state {status}")
        elif action in ("auto", "manual", "disabled"):
            start = {"auto": win32service.SERVICE_AUTO_START,
                     "manual": win32service.SERVICE_DEMAND_START,
                     "disabled": win32service.SERVICE_DISABLED}[action]
            win32serviceutil.ChangeServiceConfig(None, self.name, startType=start)
        else:
            raise ServiceError(f"unknown service action {action!r}")
        return f"{action}: done"


def service_for(config: Path, *, name: str = DEFAULT_NAME, system: bool = False
                ) -> SystemdService | WindowsService:
    """The service manager of this machine for the connector configured by ``config``."""
    if os.name == "nt":
        return WindowsService(name, config)
    if sys.platform == "darwin":
        raise ServiceError("macOS services (launchd) are not supported; run "
                           f"'qbconnector serve --config {config}' from a launchd job")
    return SystemdService(SystemdUnit(name, config, system))
