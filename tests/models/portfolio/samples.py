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

# Belgian enterprise numbers (stdnum.be.vat) and establishment unit numbers (10 digits, the first
# from 2 to 8, the enterprise number's mod-97 key).
SOLVAY, PROXIMUS = "0403170701", "0202239951"
SOLVAY_UNIT, SOLVAY_UNIT_2, PROXIMUS_UNIT = "2143775917", "2000000141", "8000000071"

YAML_BELGIUM = f"""
directories:
  - code: BXL
    name: Cabinet Bruxelles
    companies:
      - country: BE
        number: "BE{SOLVAY[:4]}.{SOLVAY[4:7]}.{SOLVAY[7:]}"
        name: Solvay
        dossiers:
          - code: SOL_RH
            name: Solvay RH
            establishments: ["{SOLVAY_UNIT}", "{SOLVAY_UNIT_2}"]
            platforms: {{hr-sync: payflip}}
          - code: SOL_CLI
            name: Solvay clients
            platforms: {{client-import: admin-is}}
      - country: be
        number: "{PROXIMUS[1:]}"
        name: Proximus
        dossiers:
          - code: PXS_01
            name: Proximus
            establishments: ["{PROXIMUS_UNIT}"]
            platforms: {{hr-sync: payflip, client-import: adminpulse}}
      - siren: "{ACME}"
        name: Acme
        dossiers:
          - code: CCH_001
            name: Acme Paris
            sirets: ["{ACME_PARIS}"]
            platforms: {{dsn: izilio, pas: izilio, cegid-flow: cegid-loop}}
"""

CSV_BELGIUM_HEADER = (
    "directory,directory_name,country,number,company_name,dossier,dossier_name,sirets,"
    "establishments,platforms\n"
)
CSV_BELGIUM = CSV_BELGIUM_HEADER + (
    f'BXL,Cabinet Bruxelles,BE,BE {SOLVAY},Solvay,SOL_RH,Solvay RH,,"{SOLVAY_UNIT};'
    f'{SOLVAY_UNIT_2}",hr-sync=payflip\n'
    f"BXL,Cabinet Bruxelles,BE,{SOLVAY},Solvay,SOL_CLI,Solvay clients,,,client-import=admin-is\n"
    f"BXL,Cabinet Bruxelles,be,{PROXIMUS},Proximus,PXS_01,Proximus,,{PROXIMUS_UNIT},"
    '"hr-sync=payflip;client-import=adminpulse"\n'
    f"BXL,Cabinet Bruxelles,,{ACME},Acme,CCH_001,Acme Paris,{ACME_PARIS},,"
    '"dsn=izilio;pas=izilio;cegid-flow=cegid-loop"\n'
)
