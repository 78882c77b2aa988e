"""Valid files of natures 01, 04 and 07 pass the self-check without a blocking anomaly."""

from __future__ import annotations

import io

import pytest

from coursier.models.dsn import samples, writer
from coursier.models.dsn.checks import check_lines, check_stream
from tests.models.dsn.builders import EMPLOYER, OCTOBER, codes, end_of_contract, monthly, sick_leave


@pytest.mark.parametrize(
    ("lines", "nature", "employees"),
    [(monthly(3), "01", 3), (sick_leave(), "04", 1), (end_of_contract(), "07", 1)],
    ids=["monthly", "sick-leave", "fctu"],
)
def test_valid_files_have_no_anomaly(lines, nature, employees):
    report = check_lines(lines)
    assert codes(report) == []
    assert report.can_be_deposited
    assert (report.nature, report.type, report.employees) == (nature, "01", employees)
    assert report.siret == EMPLOYER.siret
    assert report.norm == "P26V01"


def test_crlf_iso_8859_1_file_with_accents_and_quotes_is_read_as_such():
    data = writer.write_bytes(samples.monthly_dsn(EMPLOYER, OCTOBER, 4, seed=11), newline="\r\n")
    assert b"\r\n" in data
    assert "SARL LES GENÊTS".encode("iso-8859-1") in data  # Ê as one ISO-8859-1 byte
    report = check_stream(io.BytesIO(data))
    assert codes(report) == []
    assert report.as_dict()["month"] == "2026-10"


def test_name_with_quotes_is_one_value():
    lines = monthly(1)
    lines = [
        "S21.G00.30.002,'N'DIAYE'" if line.startswith("S21.G00.30.002") else line for line in lines
    ]
    assert codes(check_lines(lines)) == []


def test_report_dict_has_the_stable_shape():
    shape = check_lines(monthly(1)).as_dict()
    assert list(shape) == [
        "norm",
        "nature",
        "type",
        "siret",
        "month",
        "employees",
        "blocking",
        "non_blocking",
        "anomalies",
    ]
