"""The connector as a Windows service (pywin32): the service runs ``qbconnector serve``.

Imported only on Windows by ``qbconnector service install``. The service process starts
``python -m qbconnector.cli.main serve --config FILE`` and ends it when Windows stops the
service; the configuration file path is kept in the service's registry parameters.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import servicemanager  # type: ignore[import-not-found]
import win32event  # type: ignore[import-not-found]
import win32service  # type: ignore[import-not-found]
import win32serviceutil  # type: ignore[import-not-found]

from qbconnector.server.service import serve_command_line

CONFIG_OPTION = "config"


class ConnectorService(win32serviceutil.ServiceFramework):
    _svc_name_ = "qbconnector"
    _svc_display_name_ = "qbconnector remote connector"
    _svc_description_ = ("Serves QuickBooks over HTTP(S) with the QuickBooks Connector "
                         "protocol (qbconnector serve).")

    def __init__(self, args: list[str]) -> None:
        super().__init__(args)
        self.name = args[0] if args else self._svc_name_
        self.stop_event = win32event.CreateEvent(None, 0, 0, None)
        self.process: subprocess.Popen | None = None

    def SvcStop(self) -> None:  # noqa: N802 (pywin32 names)
        self.ReportServiceStatus(win32service.SERVICE_STOP_PENDING)
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
        win32event.SetEvent(self.stop_event)

    def SvcDoRun(self) -> None:  # noqa: N802
        config = win32serviceutil.GetServiceCustomOption(self.name, CONFIG_OPTION)
        servicemanager.LogInfoMsg(f"{self.name}: serving with {config}")
        self.process = subprocess.Popen(serve_command_line(Path(config)))
        win32event.WaitForSingleObject(self.stop_event, win32event.INFINITE)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def install(name: str, config: Path) -> None:
    """Register the service (manual start) and remember its configuration file."""
    win32serviceutil.InstallService(
        f"{__name__}.ConnectorService", name, ConnectorService._svc_display_name_,
        startType=win32service.SERVICE_DEMAND_START,
        description=ConnectorService._svc_description_)
    win32serviceutil.SetServiceCustomOption(name, CONFIG_OPTION, str(config))
