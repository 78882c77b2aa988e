"""Portfolio files as firms write them, shared by the model, store and CLI tests."""

from __future__ import annotations

ACME, ACME_PARIS, ACME_LYON, ACME_NICE = (
    "552081317",
    "55208131700018",
    "55208131700026",
    "55208131700034",
)
BETA, BETA_HQ = "402483663", "40248366300017"
POSTE, POSTE_SIRET = "356000000", "35600000000048"  # La Poste: SIRET without a Luhn key

CSV = f"""directory,directory_name,siren,company_name,dossier,dossier_name,sirets,platform
CAB-NORD,Cabinet Nord,{ACME},Acme,CCH_001,Acme Paris,{ACME_PARIS},net-entreprises
CAB-NORD,Cabinet Nord,{ACME},Acme,CCH_002,Acme Sud,"{ACME_LYON};{ACME_NICE}",IZILIO
CAB-SUD,Cabinet Sud,{BETA},Beta,BETA_01,Beta siège,{BETA_HQ},
CAB-SUD,Cabinet Sud,{POSTE},La Poste,LP_01,La Poste,{POSTE_SIRET},net-entreprises
"""

YAML = f"""
directories:
  - code: CAB-NORD
    name: Cabinet Nord
    companies:
      - siren: "{ACME}"
        name: Acme
        dossiers:
          - code: CCH_001
            name: Acme Paris
            sirets: ["{ACME_PARIS}"]
            platform: net-entreprises
          - code: CCH_002
            name: Acme Sud
            sirets: ["{ACME_LYON}", "{ACME_NICE}"]
            platform: izilio
  - code: CAB-SUD
    name: Cabinet Sud
    companies:
      - siren: "{BETA}"
        name: Beta
        dossiers:
          - {{code: BETA_01, name: Beta siège, sirets: ["{BETA_HQ}"]}}
      - siren: "{POSTE}"
        name: La Poste
        dossiers:
          - {{code: LP_01, name: La Poste, sirets: ["{POSTE_SIRET}"]}}
"""

# A concentrateur's portfolio: Acme's dossiers act for Acme's payroll manager, except CCH_002
# which names its own declarant; Beta names none.
ACME_DECLARANT = (ACME_PARIS, "DUPONT", "Zoé")
SOUTH_DECLARANT = (ACME_LYON, "MARTIN-DURAND", "Jean Éric")
DECLARANT_COLUMNS = (
    "company_declarant_siret,company_declarant_last_name,company_declarant_first_name,"
    "declarant_siret,declarant_last_name,declarant_first_name"
)
CSV_WITH_DECLARANTS = f"""directory,directory_name,siren,company_name,dossier,dossier_name,sirets,platform,{DECLARANT_COLUMNS}
CAB-NORD,Cabinet Nord,{ACME},Acme,CCH_001,Acme Paris,{ACME_PARIS},net-entreprises,{",".join(ACME_DECLARANT)},,,
CAB-NORD,Cabinet Nord,{ACME},Acme,CCH_002,Acme Sud,"{ACME_LYON};{ACME_NICE}",IZILIO,{",".join(ACME_DECLARANT)},{",".join(SOUTH_DECLARANT)}
CAB-SUD,Cabinet Sud,{BETA},Beta,BETA_01,Beta siège,{BETA_HQ},,,,,,,
"""  # noqa: E501

YAML_WITH_DECLARANTS = f"""
directories:
  - code: CAB-NORD
    name: Cabinet Nord
    companies:
      - siren: "{ACME}"
        name: Acme
        declarant: {{siret: "{ACME_DECLARANT[0]}", last_name: {ACME_DECLARANT[1]}, first_name: {ACME_DECLARANT[2]}}}
        dossiers:
          - code: CCH_001
            name: Acme Paris
            sirets: ["{ACME_PARIS}"]
          - code: CCH_002
            name: Acme Sud
            sirets: ["{ACME_LYON}", "{ACME_NICE}"]
            platform: izilio
            declarant:
              siret: "{SOUTH_DECLARANT[0]}"
              last_name: {SOUTH_DECLARANT[1]}
              first_name: {SOUTH_DECLARANT[2]}
  - code: CAB-SUD
    name: Cabinet Sud
    companies:
      - siren: "{BETA}"
        name: Beta
        dossiers:
          - {{code: BETA_01, name: Beta siège, sirets: ["{BETA_HQ}"]}}
"""  # noqa: E501
