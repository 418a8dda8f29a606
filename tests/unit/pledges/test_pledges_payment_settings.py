"""Payment settings: record-only by default, Stripe with both secrets, nonsense refused."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from services.pledges.settings import PaymentSettings
from shared.config import Settings

NAMES = (
    "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "STRIPE_API_BASE",
    "FUNDTRAIL_PLATFORM_FEE_BPS",
    "FUNDTRAIL_PAYMENT_GRACE",
    "SITE_PUBLIC_URL",
)
KEY = "sk_test_51secretvalue"
HOOK = "whsec_secretvalue"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in NAMES:
        monkeypatch.delenv(name, raising=False)


def load(**extra: object) -> PaymentSettings:
    return PaymentSettings.load(
        Settings.load("pledges", {"var_dir": Path("/srv"), "extra": dict(extra)})
    )


def test_without_a_key_no_money_moves_and_the_defaults_hold() -> None:
    settings = load()
    assert (settings.provider, settings.moves_money) == ("record-only", False)
    assert settings.platform_fee_bps == 0
    assert settings.payment_grace == timedelta(days=7)
    assert settings.stripe_api_base == ""
    assert settings.site_url == "http://127.0.0.1:8000"


def test_the_environment_configures_stripe(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STRIPE_SECRET_KEY", KEY)
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", HOOK)
    monkeypatch.setenv("STRIPE_API_BASE", "http://127.0.0.1:12111/")
    monkeypatch.setenv("FUNDTRAIL_PLATFORM_FEE_BPS", "250")
    monkeypatch.setenv("FUNDTRAIL_PAYMENT_GRACE", "36h")
    settings = load()
    assert (settings.provider, settings.moves_money) == ("stripe", True)
    assert (settings.stripe_secret_key, settings.stripe_webhook_secret) == (KEY, HOOK)
    assert settings.stripe_api_base == "http://127.0.0.1:12111"
    assert settings.platform_fee_bps == 250
    assert settings.payment_grace == timedelta(hours=36)
    # A test's overrides win over the environment.
    assert load(platform_fee_bps=0, payment_grace="90m").payment_grace == timedelta(minutes=90)


def test_secrets_never_show_in_its_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STRIPE_SECRET_KEY", KEY)
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", HOOK)
    shown = repr(load()) + str(load())
    assert "secretvalue" not in shown
    assert "platform_fee_bps=0" in shown


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"platform_fee_bps": "-1"}, "FUNDTRAIL_PLATFORM_FEE_BPS must be a whole number from 0"),
        ({"platform_fee_bps": "10001"}, "from 0 to 10000"),
        ({"platform_fee_bps": "2.5"}, "FUNDTRAIL_PLATFORM_FEE_BPS"),
        ({"platform_fee_bps": "5%"}, "FUNDTRAIL_PLATFORM_FEE_BPS"),
        ({"payment_grace": "soon"}, "FUNDTRAIL_PAYMENT_GRACE: 'soon' is not a duration"),
        ({"payment_grace": "-7d"}, "FUNDTRAIL_PAYMENT_GRACE"),
        ({"payment_grace": "0d"}, "FUNDTRAIL_PAYMENT_GRACE must be between 1h and 90d"),
        ({"payment_grace": "30"}, "between 1h and 90d"),  # 30 seconds: no time to fix a card
        ({"payment_grace": "1000d"}, "between 1h and 90d"),
        ({"stripe_api_base": "localhost:12111"}, "STRIPE_API_BASE must be an http"),
        ({"site_url": "fundtrail.example"}, "SITE_PUBLIC_URL must be an http"),
        (
            {"stripe_secret_key": "pk_test_publishable", "stripe_webhook_secret": HOOK},
            "STRIPE_SECRET_KEY must be a secret or restricted key",
        ),
        ({"stripe_secret_key": KEY}, "STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET go together"),
        ({"stripe_webhook_secret": HOOK}, "go together"),
        (
            {"stripe_secret_key": KEY, "stripe_webhook_secret": "secretvalue"},
            "STRIPE_WEBHOOK_SECRET must be a webhook signing secret",
        ),
    ],
)
def test_nonsense_stops_start_up_with_a_clear_message(
    overrides: dict[str, str], words: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(words)) as err:
        load(**overrides)
    assert "secretvalue" not in str(err.value)


def test_a_bad_setting_in_the_environment_stops_the_service_from_being_built(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from services.pledges.bootstrap import bootstrap

    monkeypatch.setenv("FUNDTRAIL_PAYMENT_GRACE", "a week")
    with pytest.raises(ValueError, match="FUNDTRAIL_PAYMENT_GRACE"):
        bootstrap({"var_dir": tmp_path, "database_url": f"sqlite:///{tmp_path / 'p.db'}"})
    assert list(tmp_path.iterdir()) == []  # refused before a key or a database was made


def test_the_site_address_is_the_one_the_updates_service_links_to(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SITE_PUBLIC_URL", "https://fundtrail.example/ ")
    assert load().site_url == "https://fundtrail.example"
