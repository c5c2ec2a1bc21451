"""How messy the generated returns are: the rate of each kind of fault, and the plainest legal form as the clean
baseline."""

from __future__ import annotations

from dataclasses import dataclass, fields

from msdw.generate.errors import GenerateError


@dataclass(frozen=True)
class FaultRates:
    """Rates of realistic faults. Each is a probability in [0, 1]."""

    late: float = 0.05  # a return first received after the 15th of the next month
    missing: float = 0.01  # an expected return never received
    revised: float = 0.03  # a return sent again later, corrected
    duplicate: float = 0.01  # a return sent again, byte for byte
    malformed: float = 0.004  # a return broken so that it must be quarantined
    cp1252: float = 0.10  # a police force that sends Windows-1252 text
    nationality_text: float = 0.30  # a nationality written as a name, demonym or alpha-2 code instead of alpha-3
    unknown_nationality: float = 0.002  # a nationality value that cannot be recognised
    glaa_totals: float = 0.10  # a GLAA workbook whose totals disagree with its rows
    dropped_operations: float = 0.02  # an operation that vanishes from its force's returns without being closed
    suspect_count_mismatch: float = 0.01  # an operation whose suspect nationality counts once do not add up
    format_variants: float = 0.5  # a submitter departing from the plainest form in each way the contract allows
    # a police return that breaks sharply from its force's history (operations cut to under a third, or no victims),
    # after a year of history; 0 by default, so that the realistic defaults keep every figure whole
    breaks: float = 0.0

    @classmethod
    def none(cls) -> FaultRates:
        """Clean data: every return on time, once, valid, in the plainest form."""
        return cls(**{f.name: 0.0 for f in fields(cls)})

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not 0.0 <= value <= 1.0:
                raise GenerateError(f"fault rate {f.name}={value} is not a probability: give a number from 0 to 1")

    @property
    def is_clean(self) -> bool:
        return all(getattr(self, f.name) == 0 for f in fields(self))
