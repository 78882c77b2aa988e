"""Anomalies and the catalogue of rules that raise them.

A rule's code is a stable contract (scripts and later checks key on it): change a message,
never a code. Messages are in French and say what to correct.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    BLOCKING = "blocking"
    NON_BLOCKING = "non-blocking"


@dataclass(frozen=True, slots=True)
class Anomaly:
    severity: Severity
    code: str
    field: str | None
    line: int | None
    message: str

    @property
    def is_blocking(self) -> bool:
        return self.severity is Severity.BLOCKING

    def as_dict(self) -> dict[str, object]:
        return {
            "severity": str(self.severity),
            "code": self.code,
            "field": self.field,
            "line": self.line,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    severity: Severity
    template: str

    def at(self, line: int | None, field: str | None = None, **values: object) -> Anomaly:
        """An anomaly of this rule at ``line`` (and ``field``), its message filled from ``values``."""
        message = self.template.format(field=field, line=line, **values)
        return Anomaly(self.severity, self.code, field, line, message)


B, NB = Severity.BLOCKING, Severity.NON_BLOCKING

# Structure (CST)
LINE_SYNTAX = Rule(
    "CST-001",
    B,
    "Ligne illisible « {text} » : chaque ligne doit être de la forme Sxx.Gxx.xx.xxx,'valeur'. Corrigez ou supprimez la ligne.",
)
UNKNOWN_FIELD = Rule(
    "CST-002",
    B,
    "La rubrique {field} n'existe pas dans la norme {norm}. Vérifiez son identifiant ou la version de norme déclarée.",
)
BLOCK_OUT_OF_PARENT = Rule(
    "CST-003",
    B,
    "Le bloc {block} ({label}) doit se trouver sous un bloc {parent} ({parent_label}), absent à cet endroit. Placez-le sous son bloc parent.",
)
BLOCK_OUT_OF_ORDER = Rule(
    "CST-004",
    B,
    "Le bloc {block} ({label}) est placé après le bloc {previous} alors que la norme le place avant. Remettez les blocs dans l'ordre de la norme.",
)
BLOCK_REPEATED = Rule(
    "CST-005",
    B,
    "Le bloc {block} ({label}) ne peut figurer qu'une fois à cet endroit. Supprimez la répétition.",
)
NOT_STARTING_WITH_S10 = Rule(
    "CST-006",
    B,
    "Le fichier doit commencer par le bloc S10.G00.00 (envoi). Vérifiez qu'il s'agit bien d'un fichier DSN complet.",
)
AFTER_TOTALS = Rule(
    "CST-007",
    B,
    "Des lignes suivent le bloc S90.G00.90, qui doit terminer le fichier. Supprimez-les ou déplacez le bloc S90.",
)
TRUNCATED = Rule(
    "CST-008",
    B,
    "Le fichier est incomplet : il ne se termine pas par le bloc S90.G00.90 (total de l'envoi). Il a pu être tronqué lors d'une copie : regénérez-le.",
)
UNKNOWN_NORM = Rule(
    "CST-010",
    B,
    "Version de norme {version} inconnue (normes connues : {known}). Regénérez le fichier avec une norme en vigueur ; le contrôle s'est poursuivi avec la norme {used}.",
)
MISSING_NORM = Rule(
    "CST-011",
    B,
    "La version de norme (S10.G00.00.006) est absente. Renseignez-la ; le contrôle s'est poursuivi avec la norme {used}.",
)
BLOCK_NOT_IN_NATURE = Rule(
    "CST-012",
    B,
    "Le bloc {block} ({label}) n'est pas prévu dans une déclaration de nature {nature}. Supprimez-le.",
)
EMPTY_FILE = Rule("CST-013", B, "Le fichier est vide. Regénérez-le depuis le logiciel de paie.")

# Lot envelope (CST, CCH): norme de lot V01R02, see ``lots``
UNKNOWN_LOT_NORM = Rule(
    "CST-020",
    B,
    "Version de norme de lot « {version} » inconnue (seule la norme {known} est connue). Regénérez le lot ; le contrôle s'est poursuivi avec la norme {known}.",
)
LOT_WITHOUT_HEADER = Rule(
    "CST-021",
    B,
    "Le lot ne commence pas par son en-tête S05.G51.00 (en-tête de lot). Regénérez le lot depuis le logiciel de paie.",
)
GROUP_NOT_CLOSED = Rule(
    "CST-022",
    B,
    "Le groupe ouvert ligne {start} n'est pas fermé par un bloc S96.G51.00 (fin de groupe) avant la ligne {line}. Ajoutez la fin de groupe.",
)
OUTSIDE_GROUP = Rule(
    "CST-023",
    B,
    "La DSN commençant ligne {line} est hors d'un groupe : chaque DSN d'un lot se place entre un en-tête de groupe S06.G51.00 et sa fin S96.G51.00.",
)
OUTSIDE_DECLARATION = Rule(
    "CST-024",
    B,
    "La ligne {line} n'appartient à aucune DSN du lot (une DSN commence par le bloc S10.G00.00) : « {text} ». Supprimez-la ou complétez la DSN.",
)
GROUP_END_WITHOUT_GROUP = Rule(
    "CST-025",
    B,
    "Le bloc {block} ({label}) ferme un groupe qui n'a pas été ouvert par un en-tête S06.G51.00. Ajoutez l'en-tête de groupe ou supprimez ce bloc.",
)
AFTER_LOT_END = Rule(
    "CST-026",
    B,
    "Des lignes suivent la fin de lot S95.G51.00, qui doit terminer le fichier. Supprimez-les ou déplacez la fin de lot.",
)
LOT_TRUNCATED = Rule(
    "CST-027",
    B,
    "Le lot ne se termine pas par le bloc S95.G51.00 (fin de lot). Il a pu être tronqué lors d'une copie : regénérez-le.",
)
EMPTY_LOT = Rule(
    "CST-028", B, "Le lot ne contient aucune DSN. Regénérez-le depuis le logiciel de paie."
)

# Values (CSL)
EMPTY_VALUE = Rule(
    "CSL-001",
    B,
    "La rubrique {field} ({label}) est vide. Une rubrique sans valeur ne doit pas figurer dans le fichier : renseignez-la ou supprimez la ligne.",
)
TOO_LONG = Rule(
    "CSL-002",
    B,
    "La rubrique {field} ({label}) fait {length} caractères pour {max} au plus. Raccourcissez la valeur.",
)
NOT_A_NUMBER = Rule(
    "CSL-003",
    B,
    "La rubrique {field} ({label}) doit être numérique (chiffres, '.' pour les décimales) : « {value} ».{hint}",
)
NOT_A_DATE = Rule(
    "CSL-004",
    B,
    "La rubrique {field} ({label}) doit être une date JJMMAAAA existante : « {value} ».",
)
UNKNOWN_CODE = Rule(
    "CSL-005",
    B,
    "La valeur « {value} » n'est pas autorisée pour la rubrique {field} ({label}). Valeurs possibles : {allowed}.",
)
FORBIDDEN_CHARACTER = Rule(
    "CSL-006", B, "La rubrique {field} contient un caractère interdit ({character}). Supprimez-le."
)
SURROUNDING_SPACES = Rule(
    "CSL-007",
    NB,
    "La valeur de la rubrique {field} commence ou finit par un espace. Supprimez les espaces superflus.",
)
LINE_TOO_LONG = Rule(
    "CSL-008", B, "La ligne fait {length} caractères pour 256 au plus. Raccourcissez la valeur."
)
UTF8_BOM = Rule(
    "CSL-010",
    B,
    "Le fichier commence par une marque d'ordre des octets (BOM) UTF-8 : il a été enregistré en UTF-8 alors qu'une DSN l'est en ISO-8859-1, sans BOM. Regénérez-le avec le bon encodage.",
)
WRONG_ENCODING = Rule(
    "CSL-009",
    B,
    "Le fichier semble encodé en UTF-8 (« {sample} ») alors que la DSN doit l'être en ISO-8859-1. Regénérez-le avec le bon encodage.",
)

# Identifiers and consistency (CCH)
BAD_SIREN = Rule(
    "CCH-001",
    B,
    "Le SIREN « {value} » de la rubrique {field} est invalide (9 chiffres, clé de Luhn). Corrigez-le.",
)
BAD_SIRET = Rule(
    "CCH-002",
    B,
    "Le SIRET « {value} » (SIREN + NIC de la rubrique {field}) est invalide. Corrigez le NIC ou le SIREN.",
)
BAD_NIR = Rule(
    "CCH-003",
    B,
    "Le NIR « {value} » est invalide : {reason}. Corrigez-le, ou déclarez un NTT (S21.G00.30.020) si le numéro n'est pas connu.",
)
NIR_BIRTH_MISMATCH = Rule(
    "CCH-004",
    NB,
    "Le NIR « {value} » ne correspond pas à la date de naissance {birth} ({part}). Vérifiez l'un et l'autre.",
)
WRONG_LINE_COUNT = Rule(
    "CCH-010",
    B,
    "Le total S90.G00.90.001 vaut {declared} alors que le fichier compte {actual} lignes (S10 et S90 comprises). Corrigez le total.",
)
WRONG_DECLARATION_COUNT = Rule(
    "CCH-011",
    B,
    "Le total S90.G00.90.002 vaut {declared} alors que le fichier compte {actual} déclaration(s) S20. Corrigez le total.",
)
MISSING_FIELD = Rule(
    "CCH-020",
    B,
    "La rubrique obligatoire {field} ({label}) manque dans le bloc {block} commençant ligne {line}. Renseignez-la.",
)
MISSING_BLOCK = Rule(
    "CCH-021", B, "Le bloc obligatoire {block} ({label}) est absent du fichier. Ajoutez-le."
)
MISSING_IDENTITY = Rule(
    "CCH-022",
    B,
    "Le salarié du bloc commençant ligne {line} n'a ni NIR (S21.G00.30.001) ni NTT (S21.G00.30.020). Renseignez l'un des deux.",
)
MISSING_EVENT = Rule(
    "CCH-023",
    B,
    "Une déclaration de nature {nature} ({label}) doit contenir un bloc {block} ({block_label}). Ajoutez-le.",
)
MONTH_NOT_FIRST_DAY = Rule(
    "CCH-030",
    B,
    "Le mois déclaré S20.G00.05.005 doit être le premier jour du mois (01MMAAAA) : « {value} ».",
)
EVENT_AFTER_MONTH = Rule(
    "CCH-031",
    B,
    "La date {value} de la rubrique {field} ({label}) est postérieure au mois déclaré {month}. Corrigez la date ou le mois déclaré.",
)
EVENT_BEFORE_MONTH = Rule(
    "CCH-032",
    NB,
    "La date {value} de la rubrique {field} ({label}) est antérieure au mois déclaré {month}. Vérifiez qu'elle n'a pas déjà été déclarée.",
)
PAYMENT_OUTSIDE_MONTH = Rule(
    "CCH-033",
    B,
    "La date de versement {value} ({field}) n'est pas dans le mois déclaré {month} : une DSN déclare les paies versées dans son mois. Corrigez la date, ou déclarez ce versement dans la DSN de son mois.",
)
DATES_REVERSED = Rule(
    "CCH-034",
    B,
    "La date {value} de la rubrique {field} ({label}) précède la date {other} de la rubrique {other_field} ({other_label}, ligne {other_line}). Corrigez l'une ou l'autre.",
)
LONG_PAY_PERIOD = Rule(
    "CCH-035",
    NB,
    "La période de paie du {value} au {end} (rubriques {field} et S21.G00.51.002) dure plus d'un mois : une paie couvre un mois au plus, un rappel se déclare avec la période qu'il concerne. Vérifiez la date de début.",
)
PAY_BEFORE_CONTRACT = Rule(
    "CCH-036",
    B,
    "La période de paie commence le {value} ({field}), plus de deux jours avant le début du contrat {contract} le {start} (S21.G00.40.001, ligne {start_line}). Corrigez la date de début de la période ou du contrat.",
)
WRONG_GROUP_DSN_COUNT = Rule(
    "CCH-012",
    B,
    "Le total S96.G51.00.002 vaut {declared} alors que le groupe compte {actual} DSN. Corrigez le total.",
)
WRONG_GROUP_COUNT = Rule(
    "CCH-013",
    B,
    "La rubrique {field} vaut {declared} alors que le lot compte {actual} groupe(s). Corrigez-la.",
)
LOT_NUMBER_MISMATCH = Rule(
    "CCH-014",
    B,
    "Le numéro de lot rappelé en S95.G51.00.001 (« {value} ») diffère de celui de l'en-tête S05.G51.00.002 (« {expected} »). Corrigez l'un ou l'autre.",
)
TEST_FILE = Rule(
    "CCH-040",
    NB,
    "Fichier d'essai (S10.G00.00.005 = 01) : il sera traité comme un test et ne vaut pas déclaration. Mettez 02 pour un envoi réel.",
)
