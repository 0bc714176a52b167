"""Where connect() finds the key and base URL, and when progress bars appear."""

from __future__ import annotations

import io
import os
import sys

import pytest

import sentlab
from sentlab import Secret, _progress
from sentlab._config import resolve_api_key, resolve_base_url
from sentlab._progress import MIN_REQUESTS_FOR_BAR, Bar, wants_progress

from .fakeapi import KEY, FakeAPI


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for name in ("SENT_DM_API_KEY", "SENT_API_KEY", "SENT_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_key_lookup_order_is_argument_sdk_variable_docs_variable_then_dotenv(clean_env, monkeypatch):
    (clean_env / ".env").write_text("SENT_API_KEY=from-dotenv\n")
    assert resolve_api_key(None) == (Secret("from-dotenv"), ".env (SENT_API_KEY)")
    assert "SENT_API_KEY" not in os.environ  # .env is read, not loaded into the environment
    monkeypatch.setenv("SENT_API_KEY", "from-docs-var")
    assert resolve_api_key(None) == (Secret("from-docs-var"), "SENT_API_KEY")
    monkeypatch.setenv("SENT_DM_API_KEY", "from-sdk-var")
    assert resolve_api_key(None) == (Secret("from-sdk-var"), "SENT_DM_API_KEY")
    assert resolve_api_key("from-arg") == (Secret("from-arg"), "argument")


def test_base_url_lookup_order(clean_env, monkeypatch):
    assert resolve_base_url(None) == (None, "none")
    monkeypatch.setenv("SENT_BASE_URL", "http://env")
    assert resolve_base_url(None) == ("http://env", "SENT_BASE_URL")
    assert resolve_base_url("http://arg") == ("http://arg", "argument")


def test_a_base_url_without_a_key_is_an_error_not_the_simulator(clean_env, monkeypatch):
    monkeypatch.setenv("SENT_BASE_URL", "https://api.sent.dm")
    with pytest.raises(sentlab.ConfigurationError, match="no API key"):
        sentlab.connect()


def test_an_empty_key_argument_is_an_error(clean_env):
    with pytest.raises(sentlab.ConfigurationError, match="empty"):
        sentlab.connect(api_key="", base_url="https://api.test")


def test_connect_uses_the_environment_key_and_never_shows_it(clean_env, monkeypatch):
    monkeypatch.setenv("SENT_DM_API_KEY", KEY)
    api = FakeAPI()
    lab = sentlab.connect(base_url="https://api.test", transport=api.transport(), pacing=None)
    assert api.requests[0].headers["x-api-key"] == KEY
    assert KEY not in repr(lab) + repr(lab.api) + repr(lab.aapi) + str(vars(lab.api))
    requester = lab.api.aio._requester
    assert KEY not in repr(vars(lab)) + repr(vars(lab.api.aio)) + repr(vars(requester)) + repr(vars(requester._http))
    lab.close()


def test_connect_with_a_wrong_key_fails_at_once_with_a_typed_error(clean_env):
    with pytest.raises(sentlab.AuthenticationError):
        sentlab.connect("wrong", base_url="https://api.test", transport=FakeAPI().transport(), pacing=None)


def test_progress_is_off_when_stderr_is_not_a_terminal(monkeypatch):
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert wants_progress(None) is False
    assert wants_progress(True) is True and wants_progress(False) is False


def test_progress_is_on_in_a_terminal_unless_switched_off(monkeypatch):
    class TTY(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stderr", TTY())
    assert wants_progress(None) is True
    monkeypatch.setenv("SENTLAB_PROGRESS", "off")
    assert wants_progress(None) is False


def test_a_notebook_bar_appears_only_for_more_than_a_handful_of_requests(monkeypatch):
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    monkeypatch.setattr(_progress, "in_notebook", lambda: True)
    small = Bar("few", enabled=True)
    small.add_total(MIN_REQUESTS_FOR_BAR - 1)
    small.update(MIN_REQUESTS_FOR_BAR - 1)
    assert small._display._bar is None
    big = Bar("contacts", enabled=True, unit="page")
    big.add_total(40)
    big.update(3)
    assert big._display._bar is not None and big._display._bar.n == 3
    big.close()
    assert "contacts" in stream.getvalue()  # tqdm.auto outside a real kernel: its text bar


def test_a_pull_with_progress_writes_a_bar_and_without_writes_nothing(make_sync, capsys, monkeypatch):
    monkeypatch.setattr(_progress, "MIN_SECONDS_FOR_LINE", 0.0)  # the fake API answers at once
    client = make_sync(FakeAPI(contacts=2000), progress=True)
    client.contacts()
    assert "contacts" in capsys.readouterr().err
    client.contacts(progress=False)
    assert capsys.readouterr().err == ""
    client.close()
