"""Prefect's block encryption key, kept in a file of its own instead of Prefect's database.

Prefect's server encrypts every Block document (our credentials) with a Fernet key: the one in
``PREFECT_SERVER_ENCRYPTION_KEY`` when that variable is set, else one it generates and writes
into its own database (table ``configuration``, row ``ENCRYPTION_KEY``; see
``prefect/server/utilities/encryption.py``), where a copy of ``prefect.db`` alone decrypts every
password. coursier keeps the key in ``<home>/secrets/prefect-encryption.key`` (folder 0700, file
0600), beside Prefect's home and never inside it, and the console script hands it to Prefect
through the environment before Prefect is imported (``entry.py``).

A key file is never overwritten. When there is none yet but Prefect's database already holds a
key (state made before coursier kept it apart), that key moves to the file and leaves the
database: the credentials saved with it stay readable.

No Prefect import here: this runs before Prefect reads its settings.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import secrets
import sqlite3
import stat
from collections.abc import Mapping
from contextlib import closing
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from coursier.layout import Layout

VARIABLE = "PREFECT_SERVER_ENCRYPTION_KEY"
PREFECT_ROW = "ENCRYPTION_KEY"
FORMAT = "une clé Fernet : 32 octets en base64 « url-safe », 44 caractères"


class EncryptionKeyError(Exception):
    """A key that cannot be used: the message says where it is and what to do, never the key."""


class KeySource(StrEnum):
    ENVIRONMENT = "environment"  # PREFECT_SERVER_ENCRYPTION_KEY, from a secret manager
    FILE = "file"  # the key file, as it was
    CREATED = "created"  # a fresh key, just written to the key file
    ADOPTED = "adopted"  # Prefect's own key, moved from its database to the key file


@dataclass(frozen=True)
class SettledKey:
    value: str = field(repr=False)
    source: KeySource


def settle_key(environ: Mapping[str, str], settings: Layout) -> SettledKey:
    """The key Prefect is to use: the environment's if set, else the key file's, the file
    being written on first use."""
    given = environ.get(VARIABLE)
    if given:
        return SettledKey(checked(given, f"la variable {VARIABLE}"), KeySource.ENVIRONMENT)
    return ensure_key_file(settings.encryption_key_file, prefect_database(settings))


def prefect_database(settings: Layout) -> Path:
    """Prefect's SQLite database under our Prefect home (its default location)."""
    return settings.prefect_home / "prefect.db"


def checked(key: str, origin: str) -> str:
    """``key`` if it is a Fernet key written as ``Fernet.generate_key`` writes them (Prefect
    builds ``Fernet(key)`` from the variable); a lenient decoding would accept a key with
    junk after it."""
    try:
        decoded = base64.urlsafe_b64decode(key.encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        decoded = b""
    if len(decoded) != 32 or base64.urlsafe_b64encode(decoded).decode("ascii") != key:
        raise EncryptionKeyError(
            f"{origin} ne contient pas {FORMAT} ; créez-en une avec `coursier init` (sans la "
            f"variable {VARIABLE}) ou avec votre gestionnaire de secrets"
        )
    return key


def new_key() -> str:
    """A fresh Fernet key, as ``cryptography.fernet.Fernet.generate_key`` makes them."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")


def read_key_file(path: Path) -> str:
    """The key in ``path``; refused when others than its owner may read or change it."""
    try:
        mode = path.stat().st_mode
        if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise EncryptionKeyError(
                f"{path} est accessible à d'autres utilisateurs (mode {stat.S_IMODE(mode):04o}) : "
                f"réservez-le à son propriétaire (chmod 600 {path})"
            )
        text = path.read_text("ascii").strip()
    except UnicodeDecodeError:
        text = ""
    except OSError as error:
        raise EncryptionKeyError(f"{path} illisible ({error.strerror})") from None
    return checked(text, str(path))


def ensure_key_file(path: Path, database: Path) -> SettledKey:
    """The key of ``path``, written first when there is none: Prefect's key if its database
    holds one (then removed from it), else a fresh one. Safe when processes race."""
    if path.exists():
        return SettledKey(read_key_file(path), KeySource.FILE)
    prefect_key = key_in_prefect_database(database)
    candidate = prefect_key or new_key()
    key, written = _publish(path, candidate)
    if not written:  # another process wrote it first: its key is the key
        return SettledKey(key, KeySource.FILE)
    if prefect_key:
        forget_prefect_database_key(database, prefect_key)
        return SettledKey(key, KeySource.ADOPTED)
    return SettledKey(key, KeySource.CREATED)


def _publish(path: Path, key: str) -> tuple[str, bool]:
    """Write ``key`` to ``path`` unless a file is there: (the key the file holds, written?).

    Written in full under a temporary name, then linked to ``path``, which fails if it exists:
    no process ever reads a half-written key, none replaces another's."""
    try:
        _private_folder(path.parent)
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "w", encoding="ascii") as stream:
                stream.write(key + "\n")
                stream.flush()
                os.fsync(stream.fileno())
            os.link(temporary, path)
        except FileExistsError:
            return read_key_file(path), False
        finally:
            temporary.unlink(missing_ok=True)
    except OSError as error:
        raise EncryptionKeyError(
            f"impossible d'écrire la clé de chiffrement {path} ({error.strerror}) : choisissez "
            "un dossier d'état où vous pouvez écrire (--home ou COURSIER_HOME)"
        ) from None
    return key, True


def _private_folder(folder: Path) -> None:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if os.name == "posix" and stat.S_IMODE(folder.stat().st_mode) & (stat.S_IRWXG | stat.S_IRWXO):
        folder.chmod(0o700)


def key_in_prefect_database(database: Path) -> str | None:
    """The key Prefect wrote into its SQLite database, if it did."""
    if not database.is_file():
        return None
    try:
        with closing(_connect(database, "ro")) as connection:
            return _prefect_key(connection)
    except sqlite3.Error:
        return None  # no such table yet, or not Prefect's: nothing to adopt


def forget_prefect_database_key(database: Path, key: str) -> bool:
    """Remove Prefect's key row from its database if it is ``key`` (which the key file now
    holds); whether it was removed. A database busy for seconds keeps it: ``coursier where``
    then says so."""
    try:
        with closing(_connect(database, "rw")) as connection, connection:
            connection.execute("BEGIN IMMEDIATE")
            if _prefect_key(connection) != key:
                return False
            connection.execute("DELETE FROM configuration WHERE key = ?", (PREFECT_ROW,))
    except sqlite3.Error:
        return False
    return True


def _prefect_key(connection: sqlite3.Connection) -> str | None:
    row = connection.execute(
        "SELECT value FROM configuration WHERE key = ?", (PREFECT_ROW,)
    ).fetchone()
    try:
        return str(json.loads(row[0])["fernet_key"]) if row else None
    except (ValueError, KeyError, TypeError):
        return None


def _connect(database: Path, mode: str) -> sqlite3.Connection:
    return sqlite3.connect(f"{database.resolve().as_uri()}?mode={mode}", uri=True, timeout=10)
