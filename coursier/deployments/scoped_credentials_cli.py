"""``coursier <procedure> credentials …``: the credentials of any platform but the DSN's, per
scope, with the same four commands for all.

A procedure's command group mounts ``credentials_app(KINDS)`` over the
:class:`~coursier.connectors.credential_kinds.CredentialKind` of each platform it talks to::

    app.add_typer(credentials_app((SECUREX, PAYFLIP)), name="credentials")

- ``set --platform P --scope S [--key K] [--field name=value …] [--secrets-stdin]`` saves (or
  replaces) a Block under the name of its scope. The Block's plain fields come from
  ``--field``; its secrets (``SecretStr`` fields) from a hidden, confirmed prompt, or one a line
  in the Block's order from standard input (``--secrets-stdin``): never from an option, which
  would land in the shell's history.
- ``list [--platform P] [--json]`` shows what is saved, never a secret.
- ``delete --platform P --scope S [--key K]``: the wider scopes take over.
- ``test DOSSIER [--platform P]`` resolves the credentials the dossier uses (narrowest scope
  first) and makes the platform's harmless authenticated call.

Every change is audited (who, which block, its scope and plain fields), without its secrets.
"""

# No ``from __future__ import annotations``: typer reads the commands' annotations, which name
# the group's own help texts, built inside credentials_app.
import json
from collections.abc import Sequence
from typing import Annotated, Any, Literal

import pydantic
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from coursier.connectors.credential_kinds import CredentialKind
from coursier.connectors.credentials import (
    SCOPE_LABELS,
    ScopeChain,
    ScopedCredentials,
    delete,
    list_saved,
    save,
)
from coursier.connectors.errors import ConnectorError
from coursier.deployments.credentials_common import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    JsonOption,
    KeyOption,
    ScopeOption,
    audit_change,
    dossier_or_fail,
    fail,
    french_error,
    name_or_fail,
    prefect_api,
    scope_text,
    stdin_line,
    warn_if_unknown,
)
from coursier.deployments.terminal import console

FieldOption = Annotated[
    list[str] | None,
    typer.Option(
        "--field",
        help="Un champ non secret du bloc, nom=valeur (répétable) ; voyez les champs de chaque "
        "plateforme avec --help.",
    ),
]
SecretsStdinOption = Annotated[
    bool,
    typer.Option(
        "--secrets-stdin",
        help="Lit les secrets sur l'entrée standard, un par ligne, dans l'ordre du bloc.",
    ),
]


def credentials_app(kinds: Sequence[CredentialKind[Any]]) -> typer.Typer:
    """The ``credentials`` command group over ``kinds`` (one per platform)."""
    by_platform = {kind.platform: kind for kind in kinds}
    if len(by_platform) != len(kinds) or not kinds:
        raise ValueError("one CredentialKind per platform, at least one")
    platforms = " ou ".join(by_platform)
    # A choice typer checks as a usage error; with one platform, it is the default.
    name = Literal[tuple(by_platform)]  # type: ignore[valid-type]
    # Required (``...``) when there are several: set and delete act on one platform's block.
    only = kinds[0].platform if len(kinds) == 1 else ...
    app = typer.Typer(
        help=f"Identifiants {', '.join(k.label for k in kinds)} par étendue (application, "
        f"répertoire, société, dossier).\n\n{_fields_help(kinds)}",
        no_args_is_help=True,
    )
    platform_help = f"Plateforme : {platforms}."
    OnePlatform = Annotated[name, typer.Option("--platform", help=platform_help)]
    SomePlatform = Annotated[name | None, typer.Option("--platform", help=platform_help)]

    def kind_of(platform: str) -> CredentialKind[Any]:
        return by_platform[platform]

    @app.command("set")
    def set_command(
        scope: ScopeOption,
        platform: OnePlatform = only,
        key: KeyOption = None,
        fields: FieldOption = None,
        secrets_stdin: SecretsStdinOption = False,
    ) -> None:
        """Enregistre (ou remplace) les identifiants d'une étendue."""
        errors = Console(stderr=True, soft_wrap=True)
        kind = kind_of(platform)
        values = _plain_values(errors, kind, fields or [])
        secrets = _read_secrets(errors, kind, secrets_stdin)
        try:
            block = kind.block_cls(scope=scope, scope_key=key, **values, **secrets)
        except pydantic.ValidationError as exc:
            for error in exc.errors():
                message = french_error(error, _option_of_field(kind))
                errors.print(f"[bold red]✘[/] {escape(message)}", highlight=False)
            raise typer.Exit(EXIT_BAD_INPUT) from None
        warn_if_unknown(errors, scope, key)
        with prefect_api(errors):
            name = save(block, kind.platform)
        audit_change(errors, "credentials.set", name, scope, key, _described(kind, block))
        console().print(
            f"[green]✔[/] identifiants {kind.label} enregistrés sous {name} "
            f"({scope_text(scope, key)})",
            highlight=False,
        )

    @app.command("list")
    def list_command(
        platform: SomePlatform = None,
        as_json: JsonOption = False,
    ) -> None:
        """Liste les identifiants enregistrés, sans jamais montrer de secret."""
        errors = Console(stderr=True, soft_wrap=True)
        chosen = [kind_of(platform)] if platform else list(kinds)
        with prefect_api(errors):
            rows = [
                {"name": name, "scope": scope, "key": key, **_described(kind, block)}
                for kind in chosen
                for name, scope, key, block in list_saved(kind.block_cls, kind.platform)
            ]
        if as_json:
            typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        if not rows:
            console().print(
                f"Aucun identifiant enregistré : {chosen[0].set_advice()}", markup=False
            )
            return
        console().print(_table(rows))

    @app.command("delete")
    def delete_command(
        scope: ScopeOption,
        key: KeyOption = None,
        platform: OnePlatform = only,
    ) -> None:
        """Supprime les identifiants d'une étendue (les plus larges reprennent la main)."""
        errors = Console(stderr=True, soft_wrap=True)
        kind = kind_of(platform)
        name_or_fail(errors, kind.platform, scope, key)
        with prefect_api(errors):
            try:
                name = delete(kind.block_cls, kind.platform, scope, key)
            except ConnectorError as exc:  # nothing saved there
                fail(errors, str(exc), EXIT_BAD_INPUT)
        audit_change(errors, "credentials.delete", name, scope, key, {"platform": kind.platform})
        console().print(f"[green]✔[/] {name} supprimé", highlight=False)

    @app.command("test")
    def test_command(
        dossier: Annotated[str, typer.Argument(help="Code du dossier.")],
        platform: SomePlatform = None,
    ) -> None:
        """Test de connexion : retrouve les identifiants qu'utilise le dossier (du plus précis
        au plus large) et fait un appel authentifié sans effet."""
        errors = Console(stderr=True, soft_wrap=True)
        chosen = [kind_of(platform)] if platform else list(kinds)
        chain = ScopeChain.of(dossier_or_fail(errors, dossier))
        failed = False
        for kind in chosen:
            try:
                with prefect_api(errors):
                    resolved = kind.resolve(chain)
                said = kind.check(resolved.block) if kind.check else "identifiants trouvés"
            except ConnectorError as exc:  # CredentialsNotFound among them
                errors.print(f"[bold red]✘[/] {kind.label} : {escape(str(exc))}", highlight=False)
                failed = True
                continue
            console().print(
                f"[green]✔[/] {kind.label} : {escape(said)} avec {resolved.name} "
                f"({SCOPE_LABELS[resolved.scope]})",
                highlight=False,
            )
        if failed:
            raise typer.Exit(EXIT_FAILED)

    return app


def _plain_values(
    errors: Console, kind: CredentialKind[Any], fields: Sequence[str]
) -> dict[str, str]:
    """``--field name=value`` options as the Block's keyword arguments; a secret, an unknown
    name or a missing ``=`` is refused, naming the option and the fields known."""
    known, secrets = kind.plain_fields(), kind.secret_fields()
    values: dict[str, str] = {}
    for field in fields:
        name, equal, value = field.partition("=")
        name = name.strip()
        if not equal or not name:
            fail(errors, f"--field {field!r} : écrivez nom=valeur", EXIT_BAD_INPUT)
        if name in secrets:
            # Not quoting the value: it is a secret typed where it should not have been.
            fail(
                errors,
                f"--field {name} : c'est un secret, il se saisit masqué (ou par "
                "--secrets-stdin), jamais en option",
                EXIT_BAD_INPUT,
            )
        if name not in known:
            fail(
                errors,
                f"--field {name} : champ inconnu pour {kind.label} ; champs : {', '.join(known)}",
                EXIT_BAD_INPUT,
            )
        values[name] = value
    return values


def _read_secrets(errors: Console, kind: CredentialKind[Any], from_stdin: bool) -> dict[str, str]:
    """Each secret of the Block: one line of standard input each, in the Block's order, or a
    hidden prompt asked twice. An optional secret may be left empty."""
    secrets: dict[str, str] = {}
    for name in kind.secret_fields():
        required = kind.block_cls.model_fields[name].is_required()
        if from_stdin:
            value = stdin_line()
            if value is None and required:
                fail(
                    errors,
                    f"entrée standard fermée avant le secret {name} : passez-y les secrets "
                    f"({', '.join(kind.secret_fields())}), un par ligne, ou omettez "
                    "--secrets-stdin pour les saisir",
                    EXIT_BAD_INPUT,
                )
        else:
            value = typer.prompt(
                f"{name} ({kind.label})",
                hide_input=True,
                confirmation_prompt=True,
                default="" if not required else None,
                show_default=False,
            )
        if value:
            secrets[name] = value
        elif required:
            fail(errors, f"secret {name} vide : saisissez-le", EXIT_BAD_INPUT)
    return secrets


def _described(kind: CredentialKind[Any], block: ScopedCredentials) -> dict[str, object]:
    """What may be shown of a block: its platform and plain fields, never a secret."""
    plain = block.model_dump(mode="json", include=set(kind.plain_fields()))
    return {"platform": kind.platform, **plain}


def _option_of_field(kind: CredentialKind[Any]) -> dict[str, str]:
    return {
        "scope_key": "--key",
        **{name: f"--field {name}" for name in kind.plain_fields()},
        **{name: f"secret {name}" for name in kind.secret_fields()},
    }


def _fields_help(kinds: Sequence[CredentialKind[Any]]) -> str:
    return "\n\n".join(
        f"{kind.platform} : champs {', '.join(kind.plain_fields()) or '(aucun)'} ; secrets "
        f"{', '.join(kind.secret_fields()) or '(aucun)'}"
        for kind in kinds
    )


def _table(rows: list[dict[str, object]]) -> Table:
    table = Table()
    # Folded, never cut with "…": a block name is what the other commands are given.
    for header in ("Nom du bloc", "Plateforme", "Étendue", "Clé", "Champs"):
        table.add_column(header, overflow="fold")
    for row in rows:
        shown = {"name", "platform", "scope", "key"}
        fields = ", ".join(f"{k}={v}" for k, v in row.items() if k not in shown and v is not None)
        table.add_row(
            *map(
                escape,
                (
                    str(row["name"]),
                    str(row["platform"]),
                    SCOPE_LABELS[row["scope"]],  # type: ignore[index]
                    str(row["key"] or ""),
                    fields,
                ),
            )
        )
    return table
