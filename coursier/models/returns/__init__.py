"""Return documents of the DSN platforms (Net-Entreprises, IZILIO): read, write, list.

- :mod:`.xml` — the hardened parser every foreign document goes through, and
  :class:`~.xml.ReturnParseError`;
- :mod:`.rapport` — the entry point: :class:`~.rapport.Rapport` for any ``gipmds:rapport``
  (AEE, ARE, BAN, CCO, BIS, AED) and :func:`~.rapport.parse_return_document`, which reads any
  return into its most specific model; built on :mod:`.gipmds` (the shared parts),
  :mod:`.crm` (DGFiP CRM 93/94/95) and :mod:`.neores` (NEOReS returns such as the CRM FCTU 135);
- :mod:`.writer` — the same documents written in the official shapes (for the sandbox);
- :mod:`.listings` — the 1.0 XML and 2.0 JSON listings of deposits and returns, read leniently
  (a return that cannot be identified set aside); :mod:`.listing_writer` writes them as the
  official simulator does (for the sandbox).
"""
