"""The PAS CRM part of the month-end cycle: the tax rates of a dossier's associations.

A dossier of three associations (establishments of one company, a declarant account of its
own); their October DSN are deposited, then the PAS CRM flow integrates each association's CRM
nominatif while the platform cuts every transfer of one of them (the seed's "transferts
interrompus"): that association fails alone, the others are integrated with their anomalies in
the work-list. The cut is then repaired and a rerun of the failed subset integrates it.
"""

from __future__ import annotations

from pathlib import Path

from stdnum import luhn

from coursier.deployments.dsn_month_end import BUREAU, OCTOBER
from coursier.deployments.month_end import Cycle, StepResult, result_of_runs
from coursier.deployments.sandbox_world import (
    Declarant,
    WorldDossier,
    install_bureau,
    open_account,
)
from coursier.flows.dsn_deposit import dsn_deposit
from coursier.flows.pas_crm import pas_crm
from coursier.models.dsn import samples, writer
from coursier.sandbox.crm_files import pas_month
from coursier.store import open_store
from coursier.store.pas import anomalies_of

COMPANY = samples.Employer.from_seed(71530046, "ASSOCIATIONS DU QUARTIER")
EMPLOYEES = (6, 4, 5)  # per association


def _association(number: int) -> str:
    body = f"{number:04d}"
    return COMPANY.siren + body + luhn.calc_check_digit(COMPANY.siren + body)


ASSOCIATIONS = tuple(_association(n) for n in (11, 12, 13))
CUT = ASSOCIATIONS[1]
DOSSIER = WorldDossier(
    "ASSO-04", "Associations du quartier", COMPANY, sirets=ASSOCIATIONS, directory="PAIE-IDF"
)
OWN = Declarant(COMPANY.siret, "LEROY", "Nadia")
PLATFORM = "net-entreprises"


def run(cycle: Cycle) -> list[StepResult]:
    with open_store(cycle.settings.effective_database_url()) as store:
        install_bureau(
            store,
            {PLATFORM: cycle.sandbox.url(PLATFORM)},
            [DOSSIER],
            bureau=BUREAU,
            dossier_declarants={DOSSIER.code: OWN},
            operator=cycle.operator,
            m2m_on=["dsn", "fctu"],
            actor="démo",
        )
    open_account(cycle.sandbox, PLATFORM, OWN, frozenset(ASSOCIATIONS))
    cycle.say(f"Dossier {DOSSIER.code} : {len(ASSOCIATIONS)} associations, un compte à lui")
    deposited = dsn_deposit(
        dossier=DOSSIER.code,
        files=_month_files(cycle.folder("pas")),
        operator=cycle.operator,
        follow_returns_minutes=0.5,
        return_state=True,
    )
    cycle.said(f"Dépôt des DSN d'octobre de {DOSSIER.code}", deposited)
    platform = cycle.sandbox.state(PLATFORM)
    # The deposit's follow-up ended before the CRM came out: the cut below strikes every one.
    later = max(platform.delays.crm_nominatif, platform.delays.crm_financier) + 1
    cycle.sandbox.clock.advance(later)
    cycle.say(f"{later / 60:.0f} min plus tard (horloge du bac à sable) : les CRM PAS sont publiés")
    cuts = platform.crm_cuts
    cuts.cut(CUT)  # every transfer of its CRM, until repaired
    cycle.say(f"Panne simulée : chaque transfert du CRM de l'association {CUT} est coupé")
    first = cycle.said("Intégration des CRM PAS", _integrate(cycle))
    cuts.clear()
    cycle.say("Transferts réparés : reprise des seules associations en échec")
    rerun = cycle.said(
        "Reprise des échecs",
        _integrate(cycle, retry_failed_of=str(first.state_details.flow_run_id)),
    )
    with open_store(cycle.settings.effective_database_url()) as store, store.read() as session:
        open_items = anomalies_of(session, dossier=DOSSIER.code, month=OCTOBER)
    to_do = (
        [
            f"{len(open_items)} anomalie(s) PAS à traiter dans la paie "
            f"(coursier pas anomalies --dossier {DOSSIER.code})"
        ]
        if open_items
        else []
    )
    return [
        result_of_runs("PAS CRM", [first]),
        result_of_runs("PAS CRM — reprise des échecs", [rerun], to_do),
    ]


def _integrate(cycle: Cycle, **parameters):
    return pas_crm(
        dossier=DOSSIER.code,
        month=f"{OCTOBER:%Y-%m}",
        operator=cycle.operator,
        return_state=True,
        **parameters,
    )


def _month_files(folder: Path) -> list[str]:
    paths = []
    for index, (siret, employees) in enumerate(zip(ASSOCIATIONS, EMPLOYEES, strict=True)):
        site = samples.Employer(COMPANY.siren, siret[9:])
        path = folder / f"dsn-{siret}-{OCTOBER:%Y-%m}.dsn"
        records = pas_month(site, OCTOBER, employees, seed=index, ntt_every=3)
        path.write_bytes(writer.write_bytes(records, newline="\r\n"))
        paths.append(str(path))
    return paths
