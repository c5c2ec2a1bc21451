"""The open data tables: which mart each is drawn from, its dimensions, counts, rates and labels, and the figures two
tables share (links), which disclosure control protects in both.
"""

from __future__ import annotations

from dataclasses import dataclass

from msdw import mart_rules

ALL = "ALL"


@dataclass(frozen=True)
class Split:
    """``part`` counts a subset of ``whole``: the rest (whole minus part) is implied and protected too."""

    whole: str
    part: str

    @property
    def rest(self) -> str:
        return f"{self.whole}__not__{self.part}"


@dataclass(frozen=True)
class Rate:
    name: str
    numerator: str
    denominator: str


@dataclass(frozen=True)
class Labels:
    """A name column looked up from a dimension table for a code column."""

    code: str
    column: str
    table: str
    table_code: str
    table_name: str


@dataclass(frozen=True)
class OpenTable:
    """One open data CSV: a mart summed by year and up to two dimensions, with ``ALL`` totals per year."""

    name: str
    source: str
    year: str  # SQL for the calendar year
    dimensions: dict[str, str]  # column -> SQL
    counts: tuple[str, ...]
    rates: tuple[Rate, ...] = ()
    amounts: tuple[str, ...] = ()
    labels: tuple[Labels, ...] = ()
    rules: str = ""  # the mart whose dbt tests ``not_less_than`` give the splits, when ``source`` is not a mart

    @property
    def file_name(self) -> str:
        return f"{self.name}.csv"

    @property
    def splits(self) -> tuple[Split, ...]:
        """Counts of a subset of another count, from the source mart's dbt tests ``not_less_than``."""
        return tuple(
            Split(whole, part)
            for whole, part in mart_rules.at_least(self.rules or self.source)
            if whole in self.counts and part in self.counts
        )

    @property
    def measures(self) -> tuple[str, ...]:
        return self.counts + tuple(split.rest for split in self.splits)

    def query(self) -> str:
        dims = [f"{sql} as {column}" for column, sql in self.dimensions.items()]
        sums = [f"coalesce(sum({c}), 0)::bigint as {c}" for c in self.counts]
        sums += [f"coalesce(sum({a}), 0)::decimal(18,2) as {a}" for a in self.amounts]
        return f"select {self.year} as year, {', '.join(dims + sums)} from {self.source} group by all order by all"


OPEN_TABLES: tuple[OpenTable, ...] = (
    OpenTable(
        name="summary_by_year",
        source="mart_monthly_summary",
        year="extract(year from month)::integer",
        dimensions={"agency_code": "agency_code"},
        counts=(
            "victims_identified",
            "nrm_referrals",
            "dtn_submissions",
            "operations_opened",
            "arrests",
            "charges",
            "defendants_finalised",
            "convictions",
            "inspections",
        ),
        amounts=("money_recovered_gbp",),
    ),
    OpenTable(
        name="crime_recording_by_year",
        source="mart_crime_recording",
        year="extract(year from month)::integer",
        dimensions={"force_code": "coalesce(force_code, 'UNKNOWN')"},
        counts=("nrm_referrals", "with_crime_recorded"),
        rates=(Rate("compliance_rate", "with_crime_recorded", "nrm_referrals"),),
        labels=(Labels("force_code", "force_name", "dim_force", "force_code", "force_name"),),
    ),
    OpenTable(
        name="victim_pathway_by_year",
        source="mart_victim_pathway",
        year="year::integer",
        dimensions={"exploitation_type": "coalesce(exploitation_type, 'UNKNOWN')"},
        counts=(
            "persons_identified",
            "persons_nrm_referred",
            "persons_crime_recorded",
            "persons_in_prosecuted_operation",
            "persons_in_convicted_operation",
        ),
    ),
    OpenTable(
        name="cps_outcomes_by_year",
        source="mart_cps_outcomes",
        year="year::integer",
        dimensions={"cps_area": "coalesce(cps_area::varchar, 'UNKNOWN')", "outcome": "coalesce(outcome, 'UNKNOWN')"},
        counts=("defendants",),
    ),
    OpenTable(
        name="nationality_profile_by_year",
        source="mart_nationality_profile",
        year="year::integer",
        dimensions={"nationality_code": "coalesce(nationality_code, 'UNK')"},
        counts=("victims", "suspects"),
        labels=(
            Labels("nationality_code", "nationality_name", "dim_nationality", "nationality_code", "nationality_name"),
        ),
    ),
)


@dataclass(frozen=True)
class Link:
    """The same figure reachable from two files: ``total`` equals the sum of ``parts``, each (table, dims, measure)."""

    total: tuple[str, tuple[str, ...], str]
    parts: tuple[tuple[str, tuple[str, ...], str], ...]


LINKS: tuple[Link, ...] = (
    Link(("summary_by_year", ("POLICE",), "nrm_referrals"), (("crime_recording_by_year", (ALL,), "nrm_referrals"),)),
    Link(
        ("summary_by_year", ("CPS",), "defendants_finalised"),
        (("cps_outcomes_by_year", (ALL, ALL), "defendants"),),
    ),
    Link(
        ("summary_by_year", ("CPS",), "convictions"),
        (
            ("cps_outcomes_by_year", (ALL, "CONVICTED_GUILTY_PLEA"), "defendants"),
            ("cps_outcomes_by_year", (ALL, "CONVICTED_AFTER_TRIAL"), "defendants"),
        ),
    ),
    Link(
        ("victim_pathway_by_year", (ALL,), "persons_identified"),
        (("nationality_profile_by_year", (ALL,), "victims"),),
    ),
)
CellKey = tuple[str, int, tuple[str, ...], str]  # table, year, dimension values, measure
