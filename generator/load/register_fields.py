"""The fields clients copy into their registers: legal entity identifiers and ICT service types.

- `Lei`: an ISO 17442 Legal Entity Identifier, 20 characters whose last two are ISO 7064
  MOD 97-10 check digits, verified with python-stdnum (`stdnum.lei`), so a mistyped code
  is refused where it is written rather than by a supervisor's cross-check months later.
- `IctServiceType`: a code of the taxonomy of ICT services in Annex III of Commission
  Implementing Regulation (EU) 2024/2956 (the DORA register of information), S01 to S19.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator
from stdnum import lei as stdnum_lei
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength, ValidationError

# Annex III of Implementing Regulation (EU) 2024/2956, in its order. The EBA's DORA
# taxonomy (reporting framework 4.0) writes the same codes as `eba_TA:S01` … `eba_TA:S19`.
ICT_SERVICE_TYPES: dict[str, str] = {
    "S01": "ICT project management",
    "S02": "ICT development",
    "S03": "ICT help desk and first level support",
    "S04": "ICT security management services",
    "S05": "Provision of data",
    "S06": "Data analysis",
    "S07": "ICT, facilities and hosting services (excluding cloud services)",
    "S08": "Computation",
    "S09": "Non-cloud data storage",
    "S10": "Telecom carrier",
    "S11": "Network infrastructure",
    "S12": "Hardware and physical devices",
    "S13": "Software licencing (excluding SaaS)",
    "S14": "ICT operation management (including maintenance)",
    "S15": "ICT consulting",
    "S16": "ICT risk management",
    "S17": "Cloud services: IaaS",
    "S18": "Cloud services: PaaS",
    "S19": "Cloud services: SaaS",
}

IctServiceType = StrEnum("IctServiceType", {code: code for code in ICT_SERVICE_TYPES})  # type: ignore[misc]


def check_lei(value: str) -> str:
    """The LEI as written, or a ValueError that says what is wrong with it in plain words.

    Only capitals and digits are accepted, never rewritten (stdnum would upper-case and
    strip spaces): what the file says is what every export publishes."""
    if value != value.upper() or any(c.isspace() for c in value):
        problem = "must be written in capitals without spaces"
    elif len(value) != 20:  # stdnum reports a short code as a wrong checksum
        problem = f"has {len(value)} characters; an LEI has 20"
    elif not (value.isascii() and value.isalnum()):
        problem = "may hold only the digits 0-9 and the capital letters A-Z"
    else:
        try:
            return stdnum_lei.validate(value)
        except InvalidLength:
            problem = f"has {len(value)} characters; an LEI has 20"
        except InvalidFormat:
            problem = "may hold only the digits 0-9 and the capital letters A-Z"
        except InvalidChecksum:
            problem = "has wrong check digits (the last two); copy it again from its GLEIF record"
        except ValidationError:
            problem = "is not valid"
    raise ValueError(f"'{value}' is not a Legal Entity Identifier (ISO 17442): it {problem}")


Lei = Annotated[str, AfterValidator(check_lei)]
