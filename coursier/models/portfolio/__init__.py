"""The portfolio of a firm (directories, French and Belgian companies, dossiers with a platform
per procedure) and the M2M deposit modules."""

from coursier.models.portfolio.identifiers import company_key, company_scope_key
from coursier.models.portfolio.loader import (
    CSV_COLUMNS,
    CSV_COUNTRY_COLUMNS,
    CSV_DECLARANT_COLUMNS,
    PortfolioError,
    PortfolioFormat,
    PortfolioProblem,
    load_portfolio,
)
from coursier.models.portfolio.m2m import M2M_MODULES, M2MModule, module_of_nature
from coursier.models.portfolio.model import (
    PLATFORMS,
    BelgianCompany,
    BelgianDossier,
    Company,
    DataDirectory,
    DeclarantIdentity,
    Dossier,
    FrenchCompany,
    FrenchDossier,
    Platform,
    Portfolio,
    consistency_problems,
    slug,
)
from coursier.models.portfolio.procedures import (
    COUNTRIES,
    DSN,
    PROCEDURES,
    Country,
    Procedure,
)

__all__ = [
    "COUNTRIES",
    "CSV_COLUMNS",
    "CSV_COUNTRY_COLUMNS",
    "CSV_DECLARANT_COLUMNS",
    "DSN",
    "M2M_MODULES",
    "PLATFORMS",
    "PROCEDURES",
    "BelgianCompany",
    "BelgianDossier",
    "Company",
    "Country",
    "DataDirectory",
    "DeclarantIdentity",
    "Dossier",
    "FrenchCompany",
    "FrenchDossier",
    "M2MModule",
    "Platform",
    "Portfolio",
    "PortfolioError",
    "PortfolioFormat",
    "PortfolioProblem",
    "Procedure",
    "company_key",
    "company_scope_key",
    "consistency_problems",
    "load_portfolio",
    "module_of_nature",
    "slug",
]
