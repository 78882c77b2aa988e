"""The Net-Entreprises / IZILIO Block: the platform's limits, service codes, base URLs, and a
password that never shows."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from coursier.connectors.net_entreprises.block import DEFAULT_URLS, NetEntreprisesCredentials

PASSWORD = "Refonte01-secret"


def credentials(**changes: object) -> NetEntreprisesCredentials:
    fields: dict[str, object] = {
        "siret": "99900000300015",
        "last_name": "declarant",
        "first_name": "declarant",
        "password": PASSWORD,
    }
    return NetEntreprisesCredentials(**(fields | changes))


def test_password_never_shows_in_repr_str_or_dumps() -> None:
    block = credentials(email="paie@example.fr")
    for text in (repr(block), str(block), block.model_dump_json(), str(block.model_dump())):
        assert PASSWORD not in text
    assert block.password.get_secret_value() == PASSWORD


def test_validation_errors_never_quote_the_password() -> None:
    with pytest.raises(ValidationError) as caught:
        credentials(password=PASSWORD * 3, platform="izilio", siret="123")
    assert PASSWORD not in str(caught.value)
    assert PASSWORD not in repr(caught.value)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"siret": "9990000030001"}, "siret"),
        ({"siret": "99900000300016"}, "siret"),
        ({"last_name": "x" * 65}, "last_name"),
        ({"last_name": ""}, "last_name"),
        ({"first_name": "x" * 40}, "first_name"),
        ({"password": "x" * 31}, "password"),
        ({"email": "paie@"}, "email"),
        ({"service": "42"}, "service"),
        ({"environment": "staging"}, "environment"),
        ({"auth_url": "services.example"}, "auth_url"),
        ({"scope": "dossier"}, None),
        ({"scope_key": "CCH_001"}, None),
    ],
)
def test_platform_limits_are_enforced(changes: dict[str, object], field: str | None) -> None:
    with pytest.raises(ValidationError) as caught:
        credentials(**changes)
    locations = [error["loc"] for error in caught.value.errors()]
    assert locations == [(field,)] if field else [()]


def test_limits_themselves_are_accepted() -> None:
    block = credentials(last_name="x" * 64, first_name="y" * 39, password="z" * 30)
    assert len(block.password.get_secret_value()) == 30


@pytest.mark.parametrize(
    ("environment", "service", "expected"),
    [
        ("production", None, "25"),
        ("test", None, "97"),
        ("production", "26", "26"),
        ("test", "94", "94"),
        ("production", "98", "98"),
    ],
)
def test_service_code(environment: str, service: str | None, expected: str) -> None:
    assert credentials(environment=environment, service=service).service_code() == expected


def test_default_urls_follow_the_environment() -> None:
    production = credentials().effective_urls()
    assert production == DEFAULT_URLS["production"]
    assert production.auth == "https://services.net-entreprises.fr"
    assert production.download == "https://telechargement.dsnrg.net-entreprises.fr"
    test = credentials(environment="test").effective_urls()
    assert test.auth == "https://test-services.net-entreprises.fr"
    assert test.deposit == "https://depot-edit.dsnrg.net-entreprises.fr"
    assert test.consultation == "https://consultation-edit.dsnrg.net-entreprises.fr"


def test_given_urls_win_and_lose_their_trailing_slash() -> None:
    urls = credentials(auth_url="http://127.0.0.1:8123/net-entreprises/").effective_urls()
    assert urls.auth == "http://127.0.0.1:8123/net-entreprises"
    assert urls.deposit == DEFAULT_URLS["production"].deposit


def test_izilio_needs_every_url() -> None:
    with pytest.raises(ValidationError, match="IZILIO ne publie pas d'adresses par défaut"):
        credentials(platform="izilio", auth_url="https://izilio.example")
    base = "http://127.0.0.1:8123/izilio"
    block = credentials(
        platform="izilio",
        auth_url=base,
        deposit_url=base,
        consultation_url=base,
        download_url=base,
    )
    assert block.effective_urls() == (base, base, base, base)


def test_email_is_normalised_without_dns() -> None:
    assert credentials(email="Paie@Example.FR").email == "Paie@example.fr"


def test_the_schema_prefect_asks_for_at_each_field_is_built_once_and_handed_out_as_a_copy() -> None:
    from prefect.blocks.core import Block

    built = Block.model_json_schema.__func__(NetEntreprisesCredentials)  # Prefect's own
    first = NetEntreprisesCredentials.model_json_schema()
    assert first == built
    assert "password" in first["secret_fields"]
    first["secret_fields"].clear()  # a caller changing what it got changes nothing after
    again = NetEntreprisesCredentials.model_json_schema()
    assert "password" in again["secret_fields"]
    assert again is not first
    block = credentials()
    assert block._field_has_secrets("password")
    assert not block._field_has_secrets("siret")
