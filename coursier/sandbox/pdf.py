"""A small valid PDF (one page of text): the sandbox's AER, the employer certificate of an FCTU.

Written by hand (PDF 1.4, Helvetica, correct cross-reference table) so that the sandbox needs
no PDF library; any reader opens it.
"""

from __future__ import annotations

from collections.abc import Sequence


def _escape(text: str) -> bytes:
    """A PDF literal string in WinAnsi (Latin-1 covers French); characters outside become '?'."""
    raw = text.encode("latin-1", errors="replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def text_pdf(title: str, lines: Sequence[str]) -> bytes:
    """A one-page PDF showing ``title`` then ``lines``."""
    content = [b"BT /F1 16 Tf 56 780 Td (" + _escape(title) + b") Tj /F1 11 Tf"]
    for line in lines:
        content.append(b"0 -20 Td (" + _escape(line) + b") Tj")
    content.append(b"ET")
    stream = b"\n".join(content)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)
