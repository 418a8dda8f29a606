"""The ledger's settings: defaults under var_dir, then the environment, then a test's overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.ledger.settings import LedgerSettings
from shared.config import Settings


def shared(tmp: Path, **extra: object) -> Settings:
    return Settings.load("ledger", {"var_dir": tmp, "extra": dict(extra)})


def test_defaults_live_under_the_var_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "LEDGER_LOG_KEY_FILE",
        "FUNDTRAIL_LOG_ORIGIN",
        "LEDGER_RECEIPTS_DIR",
        "LEDGER_RECEIPT_MAX_BYTES",
        "LEDGER_CHECKPOINT_INTERVAL",
        "LEDGER_REPORT_MAX_RENDERS",
        "LEDGER_REPORT_CACHE_DIR",
    ):
        monkeypatch.delenv(name, raising=False)
    settings = LedgerSettings.load(shared(Path("/srv/fundtrail")))
    assert settings.log_key_file == Path("/srv/fundtrail/keys/log-signing.key")
    assert settings.receipts_dir == Path("/srv/fundtrail/receipts")
    assert settings.log_origin == "fundtrail.local"
    assert settings.receipt_max_bytes == 10 * 1024 * 1024
    assert settings.campaign_origin("abc") == "fundtrail.local/campaigns/abc"
    assert settings.report_cache_dir == Path("/srv/fundtrail/report-cache")
    assert settings.report_max_renders == 2


def test_the_environment_then_overrides_win(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGER_LOG_KEY_FILE", "/etc/fundtrail/log.key")
    monkeypatch.setenv("FUNDTRAIL_LOG_ORIGIN", "ledger.example.org")
    monkeypatch.setenv("LEDGER_RECEIPT_MAX_BYTES", "2048")
    monkeypatch.setenv("LEDGER_CHECKPOINT_INTERVAL", "0.5")
    monkeypatch.setenv("LEDGER_REPORT_MAX_RENDERS", "4")
    monkeypatch.setenv("LEDGER_REPORT_CACHE_DIR", "/cache/reports")
    from_env = LedgerSettings.load(shared(Path("/var")))
    assert from_env.log_key_file == Path("/etc/fundtrail/log.key")
    assert (from_env.log_origin, from_env.receipt_max_bytes) == ("ledger.example.org", 2048)
    assert from_env.checkpoint_interval == 0.5
    assert from_env.report_max_renders == 4
    assert from_env.report_cache_dir == Path("/cache/reports")
    overridden = LedgerSettings.load(
        shared(Path("/var"), receipt_max_bytes=10, log_key_file="/tmp/k")
    )
    assert overridden.receipt_max_bytes == 10 and overridden.log_key_file == Path("/tmp/k")


@pytest.mark.parametrize(
    ("name", "value"),
    [("receipt_max_bytes", 0), ("checkpoint_interval", -1), ("report_max_renders", 0)],
)
def test_nonsense_limits_are_refused(name: str, value: object) -> None:
    with pytest.raises(ValueError, match="LEDGER_"):
        LedgerSettings.load(shared(Path("/var"), **{name: value}))
