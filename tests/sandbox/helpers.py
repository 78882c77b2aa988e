"""Requests as the platforms' clients send them, for the sandbox tests (plain httpx)."""

from __future__ import annotations

import gzip
from datetime import date

import httpx

from coursier.models.dsn import samples, writer
from coursier.sandbox.accounts import TEST_DECLARANT, Account

PLATFORM = "net-entreprises"
#: An employer the seeded active account (seed 0) may declare for.
EMPLOYER = samples.Employer.from_seed(0)
OCTOBER = date(2026, 10, 1)


def login_xml(
    siret: str = TEST_DECLARANT.siret,
    nom: str = TEST_DECLARANT.nom,
    prenom: str = TEST_DECLARANT.prenom,
    motdepasse: str = "Refonte01",
    service: str = "97",
) -> bytes:
    return (
        f"<identifiants><siret>{siret}</siret><nom>{nom}</nom><prenom>{prenom}</prenom>"
        f"<motdepasse>{motdepasse}</motdepasse><service>{service}</service></identifiants>"
    ).encode()


def login(client: httpx.Client, base: str, body: bytes | None = None) -> httpx.Response:
    return client.post(
        f"{base}/authentifier/1.0/",
        content=body or login_xml(),
        headers={"Content-Type": "application/xml"},
    )


def account_login(account: Account, service: str = "25") -> bytes:
    return login_xml(
        account.siret, account.nom, account.prenom, account.motdepasse.get_secret_value(), service
    )


def token_headers(client: httpx.Client, base: str, body: bytes | None = None) -> dict[str, str]:
    answer = login(client, base, body)
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"DSNLogin jeton={answer.text}"}


def deposit(
    client: httpx.Client,
    base: str,
    auth: dict[str, str],
    file: bytes,
    *,
    version: str = "1.0",
    headers: dict[str, str] | None = None,
    compress: bool = True,
) -> httpx.Response:
    return client.post(
        f"{base}/deposer-dsn/{version}/",
        content=gzip.compress(file) if compress else file,
        headers={
            **auth,
            "Content-Type": "text/plain",
            "Content-Encoding": "gzip",
            **(headers or {}),
        },
    )


def monthly_file(employees: int = 3, employer: samples.Employer = EMPLOYER) -> bytes:
    return writer.write_bytes(samples.monthly_dsn(employer, OCTOBER, employees, seed=4))


def fctu_file(employer: samples.Employer = EMPLOYER) -> bytes:
    return writer.write_bytes(samples.end_of_contract_signal(employer, date(2026, 10, 30)))


def sick_leave_file(employer: samples.Employer = EMPLOYER) -> bytes:
    return writer.write_bytes(samples.sick_leave_signal(employer, date(2026, 10, 12)))


def with_value(file: bytes, field_id: str, value: str) -> bytes:
    """The file with every line of ``field_id`` given ``value``."""
    lines = file.decode("iso-8859-1").splitlines()
    changed = [
        f"{field_id},'{value}'" if line.startswith(field_id + ",") else line for line in lines
    ]
    return ("\n".join(changed) + "\n").encode("iso-8859-1")
