"""Police forces and units, ports and nationalities of the simulated world, from the reference data."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from msdw import reference
from msdw.generate.errors import GenerateError
from msdw.generate.model import Model

_SKIP_WORDS = {
    "police",
    "of",
    "the",
    "service",
    "regional",
    "organised",
    "crime",
    "unit",
    "and",
    "&",
    "special",
    "operations",
    "region",
}
_ROCU_VICTIM_WEIGHT = 0.1  # a unit identifies few victims itself
_ROCU_OPERATION_WEIGHT = 1.2  # but runs many operations
_SPECIAL_OPERATION_WEIGHT = 0.5


@dataclass(frozen=True)
class Unit:
    """A police force or unit that submits monthly returns."""

    code: str
    name: str
    kind: str  # TERRITORIAL | SPECIAL | ROCU
    nation: str
    cps_area: int | None
    population_weight: float
    prefix: str

    @property
    def is_rocu(self) -> bool:
        return self.kind == "ROCU"

    @property
    def notifies(self) -> bool:
        """Duty to Notify applies in England and Wales."""
        return self.nation in ("England", "Wales")


@dataclass(frozen=True)
class Places:
    units: tuple[Unit, ...]  # the units that submit returns in this world
    victim_weights: np.ndarray  # share of police victims, by unit
    operation_weights: np.ndarray  # share of operations, by unit
    force_codes: tuple[str, ...]  # every force code in the reference data, for GLAA work locations
    force_weights: np.ndarray
    ports: tuple[str, ...]
    port_weights: np.ndarray
    port_unit: np.ndarray  # index into units of each port's force, or of the largest unit when not submitting

    def index(self, code: str) -> int:
        for i, unit in enumerate(self.units):
            if unit.code == code:
                return i
        raise GenerateError(f"force {code!r} does not submit returns in this world")


def ref_prefix(name: str) -> str:
    """A short upper-case prefix for references, from a force name: ``Metropolitan Police`` -> ``MET``."""
    words = [w for w in re.split(r"[\s()\-]+", name) if w and w.lower() not in _SKIP_WORDS]
    if not words:
        return "UNIT"
    if len(words) == 1:
        return re.sub(r"[^A-Z]", "", words[0].upper())[:4] or "UNIT"
    return "".join(w[0] for w in words if w[0].isalpha()).upper()[:4]


def load_places(model: Model, scale: float) -> Places:
    """The forces and ports of a world of ``scale``: below 1, only the largest forces and units take part."""
    forces = reference.forces()
    units = [
        Unit(
            code=f.force_code,
            name=f.force_name,
            kind=f.kind,
            nation=f.nation,
            cps_area=f.cps_area,
            population_weight=f.population_weight,
            prefix="MET" if f.force_code == "E23000001" else ref_prefix(f.force_name),
        )
        for f in forces.values()
    ]
    if not units:
        raise GenerateError("the reference data lists no police forces; restore seeds/forces.csv")
    units = _taking_part(units, scale)
    victim = np.array([_victim_weight(u) for u in units])
    met = [i for i, u in enumerate(units) if u.code == "E23000001"]
    if met:
        others = victim.sum() - victim[met[0]]
        victim = victim / others * (1 - model.met_share)
        victim[met[0]] = model.met_share
    victim = victim / victim.sum()
    operation = np.array([_operation_weight(u) for u in units])
    operation = operation / operation.sum()
    territorial = [f for f in forces.values() if f.kind != "ROCU"]
    force_weights = np.array([f.population_weight for f in territorial])
    ports = reference.ports()
    port_codes = tuple(model.border_force.ports.labels)
    unknown = [p for p in port_codes if p not in ports]
    if unknown:
        raise GenerateError(f"ports {unknown} are not in seeds/ports.csv; add them or change the model")
    codes = [u.code for u in units]
    largest = int(np.argmax(victim))
    port_unit = np.array(
        [codes.index(ports[p].force_code) if ports[p].force_code in codes else largest for p in port_codes]
    )
    return Places(
        units=tuple(units),
        victim_weights=victim,
        operation_weights=operation,
        force_codes=tuple(f.force_code for f in territorial),
        force_weights=force_weights / force_weights.sum(),
        ports=port_codes,
        port_weights=model.border_force.ports.p,
        port_unit=port_unit,
    )


def _victim_weight(unit: Unit) -> float:
    return unit.population_weight * (_ROCU_VICTIM_WEIGHT if unit.is_rocu else 1.0)


def _operation_weight(unit: Unit) -> float:
    if unit.is_rocu:
        return _ROCU_OPERATION_WEIGHT
    if unit.kind == "SPECIAL":
        return _SPECIAL_OPERATION_WEIGHT
    return unit.population_weight


def _taking_part(units: list[Unit], scale: float) -> list[Unit]:
    if scale >= 1:
        return units
    forces = sorted((u for u in units if not u.is_rocu), key=lambda u: -u.population_weight)
    rocus = [u for u in units if u.is_rocu]
    keep_forces = max(6, math.ceil(len(forces) * math.sqrt(scale)))
    keep_rocus = max(1, math.ceil(len(rocus) * math.sqrt(scale)))
    kept = {u.code for u in forces[:keep_forces]} | {u.code for u in rocus[:keep_rocus]}
    return [u for u in units if u.code in kept]
