"""The DSN norm (NEODeS cahier technique) as data: fields, types, lengths, codes and block trees.

The yearly norms ship as YAML beside this module (``norms/norm-P26V01.yaml``, …, Apache-2.0, see
``norms/LICENSE``). A file names its norm in ``S10.G00.00.006``; :func:`load_norm` reads one
version once and caches it. The norm of lots (``norm-V01R02-lot.yaml``, the envelope a payroll
suite puts around several DSN) has the same shape without natures: :func:`load_lot_norm`.

The YAML's ``minOccurs`` values are all 1 and are not reliable (PROTOCOLS.md §2): only the
tree shape and ``maxOccurs`` are used here; what is mandatory is decided in ``checks``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files

import yaml

try:  # the C loader reads the 230 kB norm about ten times faster
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _Loader

from coursier.models.dsn.lots import LOT_NORM_VERSION

_NORM_FILE = re.compile(r"^norm-(P\d{2}V\d{2})\.yaml$")

#: The parent of every block of the envelope and of the declaration's own blocks.
ROOT = ""
DECLARATION_BLOCK = "S20.G00.05"
UNBOUNDED = -1


class UnknownNormVersion(LookupError):
    """No norm of that version ships with coursier."""

    def __init__(self, version: str) -> None:
        self.version = version
        known = ", ".join(known_versions())
        super().__init__(f"norme DSN {version!r} inconnue (normes disponibles : {known})")


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One field (rubrique) of the norm: ``S21.G00.30.001`` is of type X, 13 characters long."""

    field_id: str
    name: str
    label: str
    type: str  # X alphanumeric, N numeric with '.' decimals, D date DDMMYYYY
    length: int
    options: dict[str, str] = field(default_factory=dict)  # allowed code → its label


@dataclass(frozen=True, slots=True)
class BlockPlace:
    """Where a block may stand: its parent, its rank among its siblings, how often it repeats."""

    parent: str
    rank: int
    max_occurs: int


@dataclass(frozen=True)
class Norm:
    """One version of the norm: field specifications and the block tree of each nature."""

    version: str
    fields: dict[str, FieldSpec]
    block_labels: dict[str, str]
    envelope: dict[str, BlockPlace]
    natures: dict[str, dict[str, BlockPlace]]
    nature_labels: dict[str, str] = field(default_factory=dict)

    def tree_for(self, nature: str | None) -> dict[str, BlockPlace]:
        """The place of every block for a declaration nature (envelope included).

        An unknown nature falls back to the monthly DSN's tree, the widest, so that the rest of
        the file is still checked; the unknown code itself is reported by the value checks.
        """
        blocks = self.natures.get(nature or "") or self.natures.get("01") or {}
        return {**self.envelope, **blocks}

    def first_field_of(self, block_id: str) -> str | None:
        """The first field of a block in the norm: a block repeats by starting again with it."""
        prefix = block_id + "."
        return next((f for f in self.fields if f.startswith(prefix)), None)


def known_versions() -> list[str]:
    """The norm versions shipped with coursier, oldest first."""
    names = (entry.name for entry in files(__package__).joinpath("norms").iterdir())
    return sorted(m.group(1) for m in map(_NORM_FILE.match, names) if m)


@cache
def load_norm(version: str) -> Norm:
    """Read a norm version from its YAML; :class:`UnknownNormVersion` if none ships."""
    if version not in known_versions():
        raise UnknownNormVersion(version)
    return _build_norm(version, _read(f"norm-{version}.yaml"))


@cache
def load_lot_norm() -> Norm:
    """The norm of lot envelopes: its blocks (S05, S06, S96, S95) in ``envelope``, no natures."""
    return _build_norm(LOT_NORM_VERSION, _read(f"norm-{LOT_NORM_VERSION}-lot.yaml"))


def _read(name: str) -> dict:
    text = files(__package__).joinpath("norms").joinpath(name).read_text("utf-8")
    return yaml.load(text, Loader=_Loader)


def latest_norm() -> Norm:
    """The newest norm shipped: the reference when a file names none that is known."""
    return load_norm(known_versions()[-1])


def _build_norm(version: str, data: dict) -> Norm:
    fields: dict[str, FieldSpec] = {}
    labels: dict[str, str] = {}
    for block_id, block in data["segments"].items():
        labels[block_id] = block.get("name") or block_id
        for field_id, spec in (block.get("fields") or {}).items():
            fields[field_id] = FieldSpec(
                field_id=field_id,
                name=spec["name"],
                label=spec.get("label") or spec["name"],
                type=spec["type"],
                length=int(spec["length"]),
                options={str(k): str(v) for k, v in (spec.get("options") or {}).items()},
            )
    envelope = _places(data["dsnEnvelope"], ROOT)
    declared = data.get("natures") or {}
    natures = {
        str(code): _places(nature["map"], DECLARATION_BLOCK) for code, nature in declared.items()
    }
    nature_labels = {str(code): nature["label"] for code, nature in declared.items()}
    return Norm(version, fields, labels, envelope, natures, nature_labels)


def _places(tree: dict, parent: str) -> dict[str, BlockPlace]:
    """Flatten a YAML block tree into each block's place."""
    places: dict[str, BlockPlace] = {}
    for rank, (block_id, node) in enumerate(tree.items()):
        node = node or {}
        places[block_id] = BlockPlace(parent, rank, int(node.get("maxOccurs", UNBOUNDED)))
        places.update(_places(node.get("children") or {}, block_id))
    return places
