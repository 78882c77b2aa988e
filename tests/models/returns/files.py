"""The official example returns and schemas, copied from ``reference/gip-mds/`` as golden inputs.

``xsd/datatypes.xsd`` is ``NEOReS_datatypes_2026.1.1.xsd`` under the name the NEOReS master
schema imports it by.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from lxml import etree

HERE = Path(__file__).parent
EXAMPLES = HERE / "examples"


def example(name: str) -> bytes:
    return (EXAMPLES / name).read_bytes()


def all_examples() -> list[Path]:
    return sorted(EXAMPLES.glob("*.xml"))


@cache
def schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(HERE / "xsd" / name)))


def bilans_schema() -> etree.XMLSchema:
    return schema("dsn_bilans_v02r03.xsd")


def neores_schema() -> etree.XMLSchema:
    return schema("NEOReS_Master_Message_2026.1.1.xsd")


def assert_valid(document: bytes, xsd: etree.XMLSchema) -> None:
    ok = xsd.validate(etree.fromstring(document))
    assert ok, xsd.error_log
