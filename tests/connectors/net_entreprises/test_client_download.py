"""Downloads follow a return's URL only under the platform's own addresses."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from coursier.connectors.errors import ResponseError
from coursier.connectors.net_entreprises.errors import MaintenancePage, UntrustedUrl
from coursier.models.returns.listings import ReturnEntry
from tests.connectors.net_entreprises.fake_platform import (
    CONSULTATION_BASE,
    DOWNLOAD_BASE,
    FakeClock,
    FakePlatform,
    credentials,
    make_client,
)


def entry(url: str | None) -> ReturnEntry:
    moment = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
    return ReturnEntry("F1", "R44", "44", "OK", moment, moment, url, None, None)


@pytest.mark.parametrize(
    "url",
    [
        f"{DOWNLOAD_BASE}/telecharger/R44",
        f"{DOWNLOAD_BASE}:443/telecharger/R44?format=pdf",
        f"{CONSULTATION_BASE}/retour/R44",
    ],
)
def test_a_return_under_the_platform_is_downloaded_with_the_token(url: str) -> None:
    platform = FakePlatform()
    with make_client(platform) as client:
        assert client.download(entry(url)) == b"%PDF-1.4 AER"
        assert client.download(url) == b"%PDF-1.4 AER"
    calls = platform.calls("download")
    assert len(calls) == 2
    assert all(c.headers["Authorization"] == "DSNLogin jeton=jeton-1-Zx9" for c in calls)


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/telecharger/R44",
        "https://telechargement-edit.dsnrg.net-entreprises.fr.evil.example/R44",
        "http://telechargement-edit.dsnrg.net-entreprises.fr/R44",
        "https://telechargement-edit.dsnrg.net-entreprises.fr:8443/R44",
        "https://user:pw@telechargement-edit.dsnrg.net-entreprises.fr/R44",
        "/telecharger/R44",
        "file:///etc/passwd",
        "",
        None,
    ],
)
def test_any_other_url_is_refused_without_a_request(url: str | None) -> None:
    platform = FakePlatform()
    with make_client(platform) as client, pytest.raises(UntrustedUrl) as caught:
        client.download(entry(url))
    assert platform.requests == []
    assert "rien n'a été demandé" in str(caught.value)


def test_a_path_outside_the_base_path_is_refused() -> None:
    platform = FakePlatform()
    base = "https://sandbox.test/net-entreprises"
    urls = {"download_url": base, "consultation_url": base}
    with make_client(platform, credentials=credentials(**urls)) as client:
        assert client.download(f"{base}/telechargement/R1") == b"%PDF-1.4 AER"
        for url in (
            "https://sandbox.test/izilio/telechargement/R1",
            "https://sandbox.test/net-entreprises-evil/R1",
            f"{base}/../izilio/R1",
        ):
            with pytest.raises(UntrustedUrl):
                client.download(url)
    assert len(platform.calls("download")) == 1


def test_downloads_are_retried_like_reads() -> None:
    platform, clock = FakePlatform(), FakeClock()
    platform.script("download", httpx.Response(503), httpx.ReadTimeout("slow"))
    with make_client(platform, clock) as client:
        assert client.download(f"{DOWNLOAD_BASE}/R44") == b"%PDF-1.4 AER"
    assert clock.waits == [0.5, 1.0]


def test_a_return_gone_says_it_may_have_been_replaced() -> None:
    platform = FakePlatform()
    platform.script("download", httpx.Response(404))
    with make_client(platform) as client, pytest.raises(ResponseError) as caught:
        client.download(f"{DOWNLOAD_BASE}/R44")
    assert caught.value.status == 404
    assert "remplacé" in str(caught.value)


def test_a_web_page_instead_of_the_file_is_a_maintenance_page() -> None:
    platform = FakePlatform()
    platform.script(
        "download",
        httpx.Response(
            200, text="<!DOCTYPE html><p>maintenance</p>", headers={"Content-Type": "text/html"}
        ),
    )
    with make_client(platform) as client, pytest.raises(MaintenancePage):
        client.download(f"{DOWNLOAD_BASE}/R44")
