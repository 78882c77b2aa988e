"""The strict reader: bytes that are no DSN text stop it at once, on the line that shows it."""

from __future__ import annotations

import io
import tracemalloc

import pytest

from coursier.models.dsn.checks import check_lines, check_stream
from coursier.models.dsn.errors import ParseError, UnreadableFile
from coursier.models.dsn.lines import CHUNK, READ_BOUND, read_lines
from tests.models.dsn.builders import codes, monthly, only


def lines_of(data: bytes) -> list[str]:
    return list(read_lines(io.BytesIO(data)))


def test_lf_and_crlf_lines_are_read_without_their_lf():
    assert lines_of(b"a\nb\r\nc") == ["a", "b\r", "c"]
    assert lines_of(b"a\n\x85b\x1c\n") == ["a", "\x85b\x1c"]  # only LF ends a line


def test_lines_across_chunks_are_whole_and_numbered():
    data = b"".join(b"S21.G00.30.002,'%06d'\r\n" % i for i in range(20_000))
    assert len(data) > 4 * CHUNK
    lines = lines_of(data)
    assert lines == [f"S21.G00.30.002,'{i:06d}'\r" for i in range(20_000)]
    with pytest.raises(UnreadableFile) as caught:
        lines_of(data[:-1000] + b"\x00" + data[-1000:])
    assert caught.value.line == (len(data) - 1000) // len(lines[0].encode() + b"\n") + 1


@pytest.mark.parametrize(
    ("data", "line", "said"),
    [
        (b"S10.G00.00.001,'x'\rS10.G00.00.002,'y'\r", 1, "CR seules"),
        (b"S10.G00.00.001,'x'\nS10.G00.00.002,'y'\rS10.G00.00.003,'z'\n", 2, "CR seules"),
        ("S10.G00.00.001,'x'\n".encode("utf-16"), 1, "UTF-16"),
        ("S10.G00.00.001,'x'\n".encode("utf-16-le"), 1, "UTF-16"),
        (b"S10.G00.00.001,'x'\n\x89PNG\x00\x00\n", 2, "binaire"),
        (b"S10.G00.00.001,'x'\n" + b"x" * (3 * READ_BOUND), 2, "sans fin de ligne"),
    ],
    ids=["cr-only", "one-lone-cr", "utf-16-bom", "utf-16-no-bom", "binary", "endless-line"],
)
def test_unreadable_bytes_are_named_with_their_line(data, line, said):
    with pytest.raises(UnreadableFile) as caught:
        lines_of(data)
    assert isinstance(caught.value, ParseError)
    assert caught.value.line == line
    assert said in str(caught.value)
    assert f"ligne {line}" in str(caught.value)


def test_an_endless_stream_stops_within_the_bound():
    class Zeros(io.RawIOBase):
        """/dev/zero: NUL bytes for ever, counted."""

        given = 0

        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:
            buffer[:] = bytes(len(buffer))
            self.given += len(buffer)
            return len(buffer)

    zeros = Zeros()
    with pytest.raises(UnreadableFile, match="binaire"):
        check_stream(io.BufferedReader(zeros))
    assert zeros.given <= 64 * 1024


def test_memory_stays_flat_for_a_file_without_newlines():
    data = b"S10.G00.00.001,'" + b"x" * 5_000_000
    tracemalloc.start()
    with pytest.raises(UnreadableFile, match="ligne 1"):
        check_stream(io.BytesIO(data))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 1_000_000  # the 5 MB line is never held whole


def test_a_line_past_256_characters_but_within_the_bound_is_an_anomaly():
    long = "S21.G00.40.006,'" + "x" * 300 + "'"
    lines = [long if line.startswith("S21.G00.40.006") else line for line in monthly(1)]
    report = check_stream(io.BytesIO(("\n".join(lines) + "\n").encode("iso-8859-1")))
    assert only(report, "CSL-008")[0].field == "S21.G00.40.006"


def test_a_utf8_byte_order_mark_is_named_and_the_rest_still_checked():
    data = b"\xef\xbb\xbf" + ("\n".join(monthly(1)) + "\n").encode("iso-8859-1")
    report = check_stream(io.BytesIO(data))
    assert codes(report) == ["CSL-010"]
    [anomaly] = report.anomalies
    assert (anomaly.line, anomaly.field, anomaly.is_blocking) == (1, "S10.G00.00.001", True)
    assert "BOM" in anomaly.message
    assert codes(
        check_lines(
            ["\xef\xbb\xbf" + line if i == 0 else line for i, line in enumerate(monthly(1))]
        )
    ) == ["CSL-010"]
