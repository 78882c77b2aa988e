"""The portfolio of a firm (directories, companies, dossiers) and the M2M deposit modules."""

from coursier.models.portfolio.loader import (
    CSV_COLUMNS,
    CSV_DECLARANT_COLUMNS,
    PortfolioError,
    PortfolioFormat,
    PortfolioProblem,
    load_portfolio,
)
from coursier.models.portfolio.m2m import M2M_MODULES, M2MModule, module_of_nature
from coursier.models.portfolio.model import (
    PLATFORMS,
    Company,
    DataDirectory,
    DeclarantIdentity,
    Dossier,
    Platform,
    Portfolio,
    consistency_problems,
    slug,
)

__all__ = [
    "CSV_COLUMNS",
    "CSV_DECLARANT_COLUMNS",
    "M2M_MODULES",
    "PLATFORMS",
    "Company",
    "DataDirectory",
    "DeclarantIdentity",
    "Dossier",
    "M2MModule",
    "Platform",
    "Portfolio",
    "PortfolioError",
    "PortfolioFormat",
    "PortfolioProblem",
    "consistency_problems",
    "load_portfolio",
    "module_of_nature",
    "slug",
]
