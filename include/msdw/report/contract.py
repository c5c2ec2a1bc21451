"""The dbt project's own description of its tables: models, sources and seeds, read from their YAML files.

Descriptions may call ``{{ doc('name') }}``; the doc blocks of ``models/**/*.md`` are substituted, as dbt docs does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import yaml

from msdw.returns import MsdwError
from msdw.transform import PROJECT_DIR

_DOC_BLOCK = re.compile(r"{%-?\s*docs\s+(\w+)\s*-?%}(.*?){%-?\s*enddocs\s*-?%}", re.DOTALL)
_DOC_CALL = re.compile(r"{{\s*doc\(\s*['\"](\w+)['\"]\s*\)\s*}}")


class ContractError(MsdwError):
    """The dbt project's YAML cannot be read as a description of its tables."""


class Layer(StrEnum):
    MART = "mart"
    INTERMEDIATE = "intermediate"
    STAGING = "staging"
    SOURCE = "source"
    SEED = "seed"


@dataclass(frozen=True)
class ColumnDoc:
    name: str
    data_type: str | None
    description: str
    tests: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableDoc:
    name: str
    layer: Layer
    description: str
    columns: tuple[ColumnDoc, ...]
    group: str = ""  # the source name, for sources
    yaml_path: Path | None = None

    def column(self, name: str) -> ColumnDoc:
        for column in self.columns:
            if column.name == name:
                return column
        raise ContractError(f"{self.name} has no column {name} in {self.yaml_path}: add it to the YAML or fix the name")


def doc_blocks(project_dir: Path = PROJECT_DIR) -> dict[str, str]:
    """Every ``{% docs %}`` block of the project, by name."""
    blocks: dict[str, str] = {}
    for path in sorted((project_dir / "models").rglob("*.md")):
        for name, body in _DOC_BLOCK.findall(path.read_text(encoding="utf-8")):
            blocks[name] = " ".join(body.split())
    return blocks


def render_description(text: str | None, blocks: dict[str, str]) -> str:
    """A description with its ``{{ doc() }}`` calls replaced by their blocks, on one line."""

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in blocks:
            raise ContractError(f"doc block {name!r} is used but not defined: add `{{% docs {name} %}}` under models/")
        return blocks[name]

    return " ".join(_DOC_CALL.sub(substitute, text or "").split())


def _test_names(tests: list | None) -> tuple[str, ...]:
    names: list[str] = []
    for test in tests or []:
        names.append(test if isinstance(test, str) else next(iter(test)))
    return tuple(names)


def _columns(
    entries: list | None, blocks: dict[str, str], types: dict[str, str] | None = None
) -> tuple[ColumnDoc, ...]:
    columns = []
    for entry in entries or []:
        name = entry["name"]
        data_type = entry.get("data_type") or (types or {}).get(name)
        tests = _test_names(entry.get("data_tests") or entry.get("tests"))
        columns.append(ColumnDoc(name, data_type, render_description(entry.get("description"), blocks), tests))
    return tuple(columns)


def _model_layer(path: Path, models_dir: Path) -> Layer:
    top = path.relative_to(models_dir).parts[0]
    return {"marts": Layer.MART, "intermediate": Layer.INTERMEDIATE}.get(top, Layer.STAGING)


def _load(path: Path) -> dict:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ContractError(f"{path} is not valid YAML ({exc}): fix it, then run again") from exc


def tables(project_dir: Path = PROJECT_DIR) -> list[TableDoc]:
    """Every documented model, source table and seed of the project, in file and declaration order."""
    blocks = doc_blocks(project_dir)
    models_dir = project_dir / "models"
    found: list[TableDoc] = []
    for path in sorted(models_dir.rglob("*.yml")):
        content = _load(path)
        for model in content.get("models") or []:
            found.append(
                TableDoc(
                    model["name"],
                    _model_layer(path, models_dir),
                    render_description(model.get("description"), blocks),
                    _columns(model.get("columns"), blocks),
                    yaml_path=path,
                )
            )
        for source in content.get("sources") or []:
            for table in source.get("tables") or []:
                found.append(
                    TableDoc(
                        table["name"],
                        Layer.SOURCE,
                        render_description(table.get("description"), blocks),
                        _columns(table.get("columns"), blocks),
                        group=source["name"],
                        yaml_path=path,
                    )
                )
    seeds_dir = project_dir / "seeds"
    for path in sorted(seeds_dir.glob("*.yml")) if seeds_dir.is_dir() else []:
        for seed in _load(path).get("seeds") or []:
            types = (seed.get("config") or {}).get("column_types") or {}
            found.append(
                TableDoc(
                    seed["name"],
                    Layer.SEED,
                    render_description(seed.get("description"), blocks),
                    _columns(seed.get("columns"), blocks, types),
                    yaml_path=path,
                )
            )
    return found


def published_tables(project_dir: Path = PROJECT_DIR) -> dict[str, TableDoc]:
    """The mart models, which are published in ``marts.duckdb``, by name."""
    return {t.name: t for t in tables(project_dir) if t.layer is Layer.MART}
