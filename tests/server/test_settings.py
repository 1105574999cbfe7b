"""Settings files: registry names and defaults, value forms, problems reported, atomic writes."""

from __future__ import annotations

import threading

import pytest

from qbconnector.server.settings import (
    SETTING_KEYS,
    Settings,
    SettingsError,
    coerce_setting,
    load_settings,
    parse_error_list,
    read_raw,
    settings_from_dict,
    update_settings_file,
    warnings_for,
)


def test_defaults_are_the_connectors():
    s = Settings()
    assert (s.Port, s.Timeout, s.AuthFlags, s.LogLevel, s.LogFormat) == (8167, 60, 0xF, 3, 0)
    assert (s.CloseAndRetryTimeout, s.CloseAndRetryCount) == (30, 3)
    assert s.retry_hresults() == {0x80040402, 0x80040408}
    assert s.bind_host == "127.0.0.1" and s.AllowedClients == "*"
    assert not (s.SSLEnabled or s.PersistentEnabled or s.LogEnabled or s.CloseAndRetryConnect)


def test_missing_file_means_defaults(tmp_path):
    assert load_settings(tmp_path / "none.toml") == Settings()


def test_flags_accept_booleans_and_dword_forms():
    for value, expected in [(True, True), (False, False), (1, True), (0, False),
                            ("true", True), ("0", False)]:
        assert settings_from_dict({"SSLEnabled": value}).SSLEnabled is expected


def test_hex_values_accept_strings_and_integers():
    assert settings_from_dict({"AuthFlags": "0xF"}).AuthFlags == 15
    assert settings_from_dict({"AuthFlags": "0x6"}).AuthFlags == 6
    assert settings_from_dict({"AuthFlags": 8}).AuthFlags == 8
    assert settings_from_dict({"AuthFlags": ""}).AuthFlags == 0


def test_error_list():
    assert parse_error_list("*") is None
    assert parse_error_list("0x80040402, 80040408") == {0x80040402, 0x80040408}
    with pytest.raises(ValueError):
        parse_error_list("0x8004zz")


def test_every_problem_is_reported_with_file_key_and_reason(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('Port = 70000\nBogus = 1\nSSLEnabled = "sometimes"\nLogFormat = 3\n'
                    'CloseAndRetryErrorList = "nope"\nAuthFlags = "0xZZ"\n'
                    '[Users.ann]\nReadOnly = true\nColour = "red"\n'
                    '[Users.bob]\nPassword = "x"\nConnectionMode = "Sometimes"\n')
    with pytest.raises(SettingsError) as caught:
        load_settings(path)
    problems = {p.key: p for p in caught.value.problems}
    assert set(problems) == {"Port", "Bogus", "SSLEnabled", "LogFormat", "AuthFlags",
                             "CloseAndRetryErrorList", "Users.ann.Colour",
                             "Users.bob.ConnectionMode"}
    assert all(p.file == str(path) for p in problems.values())
    assert "out of range 0..65535" in problems["Port"].reason
    assert problems["Bogus"].reason == "unknown setting"
    assert "true/false or 1/0" in problems["SSLEnabled"].reason
    assert str(path) in str(caught.value) and "Users.ann.Colour" in str(caught.value)


def test_basic_user_needs_a_password_system_user_does_not():
    with pytest.raises(SettingsError, match="Users.ann.Password: required"):
        settings_from_dict({"Users": {"ann": {"ReadOnly": True}}})
    s = settings_from_dict({"Users": {"ann": {"AuthMode": 1}}})
    assert s.Users["ann"].system_auth


def test_user_keys():
    s = settings_from_dict({"Users": {"ann": {
        "Password": "pw", "CompanyFile": "C:/a.qbw", "AppName": "App", "ReadOnly": 1,
        "ConnectionMode": "multi", "Authorized": "true", "AuthMode": "system"}}})
    ann = s.Users["ann"]
    assert (ann.CompanyFile, ann.AppName, ann.ReadOnly, ann.ConnectionMode, ann.Authorized,
            ann.AuthMode) == ("C:/a.qbw", "App", True, "Multi", True, 1)


def test_not_valid_toml(tmp_path):
    path = tmp_path / "x.toml"
    path.write_text("Port = = 3")
    with pytest.raises(SettingsError, match="not valid TOML"):
        load_settings(path)


def test_warnings():
    s = settings_from_dict({"LocalHost": "0.0.0.0", "Users": {"ann": {"Password": "plain"}}},
                           "f.toml")
    reasons = " ".join(p.reason for p in warnings_for(s))
    assert "plaintext" in reasons and "clear text" in reasons
    assert "no users" in warnings_for(Settings())[0].reason


def test_update_is_atomic_and_checked(tmp_path):
    path = tmp_path / "c.toml"
    update_settings_file(path, lambda raw: raw.update(Port=9000))
    assert load_settings(path).Port == 9000
    before = path.read_text()
    with pytest.raises(SettingsError):
        update_settings_file(path, lambda raw: raw.update(Port="many"))
    assert path.read_text() == before               # a bad change is never written
    assert [p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock")] == ["c.toml"]
    assert (path.stat().st_mode & 0o777) == 0o600


def test_concurrent_updates_lose_nothing(tmp_path):
    path = tmp_path / "c.toml"

    def add(i):
        update_settings_file(path, lambda raw: raw.setdefault("Users", {}).update(
            {f"u{i}": {"Password": f"p{i}"}}))

    threads = [threading.Thread(target=add, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(read_raw(path)["Users"]) == 20


def test_coerce_setting_from_command_line_text():
    assert coerce_setting("Port", "9000") == 9000
    assert coerce_setting("SSLEnabled", "true") is True
    assert coerce_setting("AuthFlags", "6") == "0x6"
    with pytest.raises(SettingsError, match="unknown setting"):
        coerce_setting("Nope", "1")
    with pytest.raises(SettingsError, match="LogLevel"):
        coerce_setting("LogLevel", "7")


def test_every_registry_name_is_a_setting():
    assert set(SETTING_KEYS) - {"Backend"} == {
        "Port", "LocalHost", "AllowedClients", "Timeout", "AuthFlags", "CloseAndRetryConnect",
        "CloseAndRetryTimeout", "CloseAndRetryCount", "CloseAndRetryErrorList",
        "QBInstanceFile", "LogEnabled", "LogDir", "LogFormat", "LogLevel", "MaxLogSize",
        "LogPort", "PersistentEnabled", "PersistentIdleTimeout", "RunAsService", "SSLEnabled",
        "SSLCertStore", "SSLCertSubject", "SSLCertType", "SSLCertPassword",
        "UseInteractiveLogon", "LocalAuth",
        # the admin console's own (not registry names of the original)
        "AdminPort", "AdminLocalHost", "AdminAllowedClients", "AdminPassword",
        "AdminSystemLogin",
        # the Web Connector's (ours too)
        "WebConnectorURL", "WebConnectorKeepOpen"}
