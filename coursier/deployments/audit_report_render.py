"""The auditor's report as lines (a table, CSV) and as a printable HTML page.

One line per thing that happened, in the order an auditor reads them: each file sent, directly
followed by what came back for it; then the other events of the period. Every value is the
store's, escaped for HTML: a file name is whatever the payroll software wrote.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from html import escape

from coursier.models.control_detail import RETURN_LABELS
from coursier.store.audit_report import AuditReport, Sent

COLUMNS = ("kind", "at", "what", "where", "status", "by", "flow_run_id", "details")
HEADERS = ("Quoi", "Quand (UTC)", "Objet", "Vers / de", "Résultat", "Par", "Exécution", "Détails")
SENT, CAME_BACK, EVENT = "envoi", "retour", "événement"


@dataclass(frozen=True)
class Line:
    kind: str
    at: str
    what: str
    where: str
    status: str
    by: str
    flow_run_id: str
    details: str


def report_lines(report: AuditReport) -> list[Line]:
    lines: list[Line] = []
    for sent in report.sent:
        lines.append(_sent_line(sent))
        lines.extend(
            Line(
                CAME_BACK,
                _when(back.published_at or back.fetched_at),
                RETURN_LABELS.get(back.nature, f"retour {back.nature}"),
                sent.idflux or "",
                back.status,
                sent.platform,
                sent.flow_run_id or "",
                f"relevé le {_when(back.fetched_at)}"
                + (f", version {back.version}" if back.version > 1 else ""),
            )
            for back in sent.returns
        )
    lines.extend(
        Line(
            EVENT,
            _when(event.at),
            event.action + (f" {event.subject}" if event.subject else ""),
            event.flow or "",
            event.outcome or "",
            event.actor,
            event.flow_run_id or "",
            json.dumps(event.details, ensure_ascii=False, sort_keys=True) if event.details else "",
        )
        for event in report.events
    )
    return lines


def _sent_line(sent: Sent) -> Line:
    account = ", ".join(
        part
        for part in (
            sent.platform,
            sent.environment,
            f"déclarant {sent.declarant_siret}" if sent.declarant_siret else None,
            f"identifiants {sent.credential_name}" if sent.credential_name else None,
        )
        if part
    )
    return Line(
        SENT,
        _when(sent.sent_at),
        f"{sent.file_name} (sha256 {sent.file_sha256[:12]}…)",
        account,
        sent.state + (f", flux {sent.idflux}" if sent.idflux else ""),
        sent.operator or "",
        sent.flow_run_id or "",
        f"nature {sent.nature or '?'}" + (f", mois {sent.month:%m/%Y}" if sent.month else ""),
    )


def trail_text(report: AuditReport) -> str:
    trail = report.trail
    if trail.intact:
        return f"Piste d'audit intacte ({trail.checked} événements vérifiés)."
    return (
        f"Piste d'audit ROMPUE à l'événement n° {trail.broken_at} : {trail.reason}. Ce qui suit "
        "n'est pas garanti."
    )


def title(report: AuditReport) -> str:
    period = report.period
    return (
        f"Dossier {report.dossier} — du {period.start:%d/%m/%Y} au {period.end:%d/%m/%Y} : "
        f"{len(report.sent)} fichier(s) envoyé(s), {len(report.events)} événement(s)"
    )


def as_dicts(lines: list[Line]) -> list[dict[str, str]]:
    return [asdict(line) for line in lines]


def report_html(report: AuditReport) -> str:
    """A standalone page to print or save as PDF from a browser."""
    rows = "\n".join(
        f'<tr class="{escape(line.kind)}">'
        + "".join(f"<td>{escape(value)}</td>" for value in asdict(line).values())
        + "</tr>"
        for line in report_lines(report)
    )
    headers = "".join(f"<th>{escape(h)}</th>" for h in HEADERS)
    verdict = "ok" if report.trail.intact else "broken"
    return f"""<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<title>{escape(title(report))}</title>
<style>
body {{ font-family: sans-serif; font-size: 10pt; margin: 1.5cm; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border: 1px solid #999; padding: 3px 5px; vertical-align: top; text-align: left; }}
th {{ background: #eee; }}
tr.retour td:first-child {{ padding-left: 1.5em; }}
tr.envoi {{ font-weight: bold; }}
p.broken {{ color: #b00; font-weight: bold; }}
@media print {{ body {{ margin: 0; }} tr {{ page-break-inside: avoid; }} }}
</style>
</head>
<body>
<h1>Rapport d'audit coursier</h1>
<p>{escape(title(report))}</p>
<p class="{verdict}">{escape(trail_text(report))}</p>
<p>Établi le {escape(_when(report.made_at))} (UTC), depuis le registre des dépôts et la piste
d'audit de l'installation.</p>
<table>
<thead><tr>{headers}</tr></thead>
<tbody>
{rows}
</tbody>
</table>
</body>
</html>
"""


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else ""
