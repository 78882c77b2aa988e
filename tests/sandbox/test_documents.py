"""From a deposited file to its planned returns, and the AER PDF, without a server."""

from __future__ import annotations

import re

from coursier.models.dsn.blocks import group_blocks
from coursier.models.dsn.checks import check_lines
from coursier.models.dsn.lines import tokenize
from coursier.models.returns import writer
from coursier.models.returns.rapport import parse_crm_nominatif
from coursier.sandbox.documents import (
    ReturnDelays,
    plan_returns,
    read_deposited,
    starts_with_s10,
    to_return_anomaly,
)
from coursier.sandbox.pdf import text_pdf
from tests.sandbox.helpers import (
    EMPLOYER,
    fctu_file,
    monthly_file,
    sick_leave_file,
    with_value,
)


def plan(file: bytes):
    lines = file.decode("iso-8859-1").splitlines()
    deposited = read_deposited(list(group_blocks(tokenize(lines))))
    envoi = writer.EnvoiIdentity(idflux="F1.test", sender_siret=deposited.sender_siret or "")
    return deposited, plan_returns(deposited, check_lines(lines), lines, envoi, ReturnDelays())


def test_what_a_monthly_file_declares():
    deposited, planned = plan(monthly_file(employees=2))
    assert deposited.declared_siret == EMPLOYER.siret
    assert deposited.nature == "01"
    assert deposited.month == "01102026"
    assert [e.payroll_number for e in deposited.employees] == ["M000000", "M000001"]
    assert [(p.nature, p.kind, p.status) for p in planned] == [
        ("11", "CCO", "OK"),
        ("94", "CRM nominatif", "OK"),
        ("93", "CRM financier", "OK"),
    ]
    assert [p.delay_s for p in planned] == [3.0, 6.0, 9.0]
    crm = parse_crm_nominatif(planned[1].content)
    assert [r.nir for r in crm.rates] == [e.nir for e in deposited.employees]


def test_the_same_flux_always_gets_the_same_rates():
    first, second = plan(monthly_file())[1][1], plan(monthly_file())[1][1]
    assert first.content == second.content


def test_an_employee_known_by_ntt_only_gets_a_rate_by_ntt():
    lines = monthly_file(employees=1).decode("iso-8859-1").splitlines()
    lines = [line for line in lines if not line.startswith("S21.G00.30.001,")]
    last = max(i for i, line in enumerate(lines) if line.startswith("S21.G00.30."))
    lines.insert(last + 1, "S21.G00.30.020,'23330001809'")
    deposited = read_deposited(list(group_blocks(tokenize(lines))))
    assert deposited.employees[0].nir is None
    assert deposited.employees[0].ntt == "23330001809"
    envoi = writer.EnvoiIdentity(idflux="F1.ntt", sender_siret=EMPLOYER.siret)
    planned = plan_returns(deposited, check_lines(lines), lines, envoi, ReturnDelays())
    [rate] = parse_crm_nominatif(planned[1].content).rates
    assert (rate.nir, rate.ntt, rate.payroll_number) == (None, "23330001809", "M000000")


def test_signals_and_blocking_files():
    assert [p.kind for p in plan(sick_leave_file())[1]] == ["CCO"]
    fctu = plan(fctu_file())[1]
    assert [(p.nature, p.kind, p.media_type) for p in fctu] == [
        ("11", "CCO", "application/xml"),
        ("44", "AER", "application/pdf"),
    ]
    assert [p.kind for p in plan(with_value(monthly_file(), "S21.G00.40.007", "99"))[1]] == ["BAN"]


def test_a_self_check_anomaly_carries_the_value_of_its_line():
    lines = with_value(monthly_file(1), "S21.G00.40.007", "99").decode("iso-8859-1").splitlines()
    anomaly = next(a for a in check_lines(lines).anomalies if a.field == "S21.G00.40.007")
    converted = to_return_anomaly(anomaly, lines)
    assert converted.value == "99"
    assert converted.category == "bloquant"
    assert converted.line == anomaly.line
    assert converted.code == anomaly.code


def test_only_files_starting_with_s10_are_dsn():
    assert starts_with_s10(monthly_file().decode("iso-8859-1").splitlines())
    assert not starts_with_s10(["S20.G00.05.001,'01'"])
    assert not starts_with_s10([])


def test_the_pdf_cross_reference_points_at_each_object():
    pdf = text_pdf("Attestation (AER)", ["Salarié : Hélène N'DIAYE", "Flux F1.x \\ ok"])
    assert pdf.startswith(b"%PDF-1.4")
    start = int(re.search(rb"startxref\n(\d+)\n%%EOF", pdf).group(1))
    assert pdf[start:].startswith(b"xref\n0 6\n")
    offsets = [int(o) for o in re.findall(rb"(\d{10}) 00000 n ", pdf)]
    assert [pdf[o:].split(b" ", 1)[0] for o in offsets] == [b"1", b"2", b"3", b"4", b"5"]
    assert all(pdf[o:].startswith(b"%d 0 obj" % n) for n, o in enumerate(offsets, start=1))
    assert b"H\xe9l\xe8ne N'DIAYE" in pdf
    assert b"\\(AER\\)" in pdf
