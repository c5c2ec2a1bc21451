"""The report's charts as Vega-Lite specifications, built with Altair from the rows of :mod:`msdw.report.queries`."""

from __future__ import annotations

import altair as alt

from msdw.report.queries import ALL_AGENCIES, OPERATION_STAGES, PATHWAY_STAGES, RETURN_STATUS_NAMES, Row

WIDTH = 720
MONTH_AXIS = alt.Axis(format="%b %Y", labelAngle=-40, title=None)
COUNT_AXIS = alt.Axis(tickMinStep=1, format=",d", labelExpr="datum.value % 1 ? '' : datum.label")
AGENCY_BLUES = ("#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c")  # the agencies, then all together in orange
STATUS_COLOURS = {"On time": "#4c9a5f", "Late": "#e3a21a", "Quarantined": "#7b3294", "Missing": "#c0392b"}


def _data(rows: list[Row]) -> alt.Data:
    return alt.Data(values=rows)


def _month(field: str = "month", band_position: float | None = None) -> alt.X:
    if band_position is None:
        return alt.X(f"utcyearmonth({field}):T", axis=MONTH_AXIS)
    return alt.X(f"utcyearmonth({field}):T", axis=MONTH_AXIS, bandPosition=band_position)


def victims_by_agency(rows: list[Row]) -> alt.TopLevelMixin:
    return (
        alt.Chart(_data(rows), width=WIDTH, height=280)
        .mark_line(point=True)
        .encode(
            x=_month(),
            y=alt.Y("victims_identified:Q", title="Victim records identified", axis=COUNT_AXIS),
            color=alt.Color("agency:N", title="Agency"),
            tooltip=[
                alt.Tooltip("utcyearmonth(month):T", title="Month", format="%B %Y"),
                alt.Tooltip("agency:N", title="Agency"),
                alt.Tooltip("victims_identified:Q", title="Victims identified", format=","),
            ],
        )
    )


def persons_against_records(rows: list[Row]) -> alt.TopLevelMixin:
    return (
        alt.Chart(_data(rows), width=WIDTH, height=280)
        .mark_area(opacity=0.55, line=True)
        .encode(
            x=_month(),
            y=alt.Y("count:Q", title="Cumulative count", stack=None, axis=COUNT_AXIS),
            color=alt.Color(
                "measure:N",
                title=None,
                sort=["Identification records", "Distinct persons"],
                scale=alt.Scale(range=["#9ecae1", "#08519c"]),
            ),
            order=alt.Order("measure:N", sort="descending"),
            tooltip=[
                alt.Tooltip("utcyearmonth(month):T", title="Up to", format="%B %Y"),
                alt.Tooltip("measure:N", title="Measure"),
                alt.Tooltip("count:Q", title="Count", format=","),
            ],
        )
    )


def persons_by_financial_year(rows: list[Row]) -> alt.TopLevelMixin:
    agencies = [*dict.fromkeys(str(r["agency"]) for r in rows if r["agency"] != ALL_AGENCIES), ALL_AGENCIES]
    return (
        alt.Chart(_data(rows), width=alt.Step(22), height=280)
        .mark_bar()
        .encode(
            x=alt.X("financial_year:O", title="Financial year", axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset("agency:N", sort=agencies),
            y=alt.Y("persons:Q", title="Distinct persons identified", axis=COUNT_AXIS),
            color=alt.Color(
                "agency:N",
                title="Agency",
                sort=agencies,
                scale=alt.Scale(domain=agencies, range=[*AGENCY_BLUES[: len(agencies) - 1], "#e6550d"]),
            ),
            tooltip=[
                alt.Tooltip("financial_year:O", title="Financial year"),
                alt.Tooltip("agency:N", title="Agency"),
                alt.Tooltip("persons:Q", title="Distinct persons", format=","),
                alt.Tooltip("identifications:Q", title="Identification records", format=","),
                alt.Tooltip("nrm_referrals:Q", title="NRM referrals", format=","),
                alt.Tooltip("persons_nrm_referred:Q", title="Persons referred to the NRM", format=","),
            ],
        )
    )


def crime_recording_by_force(rows: list[Row]) -> alt.TopLevelMixin:
    base = alt.Chart(_data(rows), width=WIDTH - 200, height=alt.Step(16)).encode(
        y=alt.Y("force:N", title=None, sort=None, axis=alt.Axis(labelLimit=320)),
        x=alt.X(
            "compliance_rate:Q",
            title="NRM referrals with a crime recorded",
            axis=alt.Axis(format="%"),
            scale=alt.Scale(domain=[0, 1]),
        ),
        tooltip=[
            alt.Tooltip("force:N", title="Force"),
            alt.Tooltip("nrm_referrals:Q", title="NRM referrals", format=","),
            alt.Tooltip("with_crime_recorded:Q", title="With a crime recorded", format=","),
            alt.Tooltip("compliance_rate:Q", title="Rate", format=".1%"),
        ],
    )
    bars = base.mark_bar(color="#2c7fb8")
    labels = base.mark_text(align="left", dx=3, fontSize=10).encode(
        text=alt.Text("label:N"),
    )
    return (bars + labels).transform_calculate(
        label="format(datum.with_crime_recorded, ',') + ' of ' + format(datum.nrm_referrals, ',')"
    )


def operations_over_time(rows: list[Row]) -> alt.TopLevelMixin:
    base = alt.Chart(_data(rows), width=WIDTH, height=280)
    tooltip = [
        alt.Tooltip("utcyearmonth(month):T", title="Month", format="%B %Y"),
        alt.Tooltip("operations_live:Q", title="Live or suspended", format=","),
        alt.Tooltip("operations_opened:Q", title="Opened", format=","),
    ]
    opened = base.mark_bar(color="#bdbdbd", opacity=0.8).encode(
        x=_month(), y=alt.Y("operations_opened:Q", title="Police operations", axis=COUNT_AXIS), tooltip=tooltip
    )
    live = base.mark_line(color="#d95f02", point=True, strokeWidth=2.5).encode(
        x=_month(band_position=0.5), y=alt.Y("operations_live:Q", axis=COUNT_AXIS), tooltip=tooltip
    )
    return opened + live


def victim_pathway(rows: list[Row]) -> alt.TopLevelMixin:
    stages = [label for _, label in PATHWAY_STAGES]
    return (
        alt.Chart(_data(rows), width=WIDTH - 160)
        .mark_bar()
        .encode(
            y=alt.Y("exploitation_type:N", title=None),
            yOffset=alt.YOffset("stage:N", sort=stages),
            x=alt.X("persons:Q", title="Persons", axis=COUNT_AXIS),
            color=alt.Color("stage:N", title="Stage", sort=stages, scale=alt.Scale(scheme="blues", reverse=True)),
            tooltip=[
                alt.Tooltip("exploitation_type:N", title="Exploitation"),
                alt.Tooltip("stage:N", title="Stage"),
                alt.Tooltip("persons:Q", title="Persons", format=","),
            ],
        )
        .properties(height=alt.Step(11, **{"for": "offset"}))
    )


def operation_outcomes(rows: list[Row]) -> alt.TopLevelMixin:
    stages = [label for _, label in OPERATION_STAGES]
    return (
        alt.Chart(_data(rows), width=alt.Step(16), height=280)
        .mark_bar()
        .encode(
            x=alt.X("opened_year:O", title="Year opened", axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset("stage:N", sort=stages),
            y=alt.Y("operations:Q", title="Police operations", axis=COUNT_AXIS),
            color=alt.Color("stage:N", title=None, sort=stages, scale=alt.Scale(scheme="oranges", reverse=True)),
            tooltip=[
                alt.Tooltip("opened_year:O", title="Year opened"),
                alt.Tooltip("stage:N", title="Operations"),
                alt.Tooltip("operations:Q", title="Count", format=","),
            ],
        )
    )


def cps_outcomes(rows: list[Row]) -> alt.TopLevelMixin:
    base = alt.Chart(_data(rows), width=alt.Step(80), height=300).encode(
        x=alt.X("year:O", title="Year finalised", axis=alt.Axis(labelAngle=0))
    )
    bars = base.mark_bar().encode(
        y=alt.Y("defendants:Q", title="Defendants finalised", axis=COUNT_AXIS),
        color=alt.Color("outcome:N", title="Outcome", scale=alt.Scale(scheme="tableau10")),
        order=alt.Order("outcome:N"),
        tooltip=[
            alt.Tooltip("year:O", title="Year"),
            alt.Tooltip("outcome:N", title="Outcome"),
            alt.Tooltip("defendants:Q", title="Defendants", format=","),
        ],
    )
    rate = base.mark_line(color="black", point=alt.OverlayMarkDef(color="black", size=60)).encode(
        y=alt.Y(
            "mean(conviction_rate):Q",
            title="Conviction rate",
            axis=alt.Axis(format="%"),
            scale=alt.Scale(domain=[0, 1]),
        ),
        tooltip=[
            alt.Tooltip("year:O", title="Year"),
            alt.Tooltip("mean(conviction_rate):Q", title="Conviction rate", format=".1%"),
        ],
    )
    return alt.layer(bars, rate).resolve_scale(y="independent")


def return_status_heatmap(rows: list[Row]) -> alt.TopLevelMixin:
    statuses = list(RETURN_STATUS_NAMES.values())
    return (
        alt.Chart(_data(rows), height=alt.Step(13), width=alt.Step(14))
        .mark_rect(stroke="white", strokeWidth=0.5)
        .encode(
            x=alt.X("month:O", title=None, axis=alt.Axis(labelAngle=-60)),
            y=alt.Y("submitter:N", title=None, sort=None, axis=alt.Axis(labelLimit=320)),
            color=alt.Color(
                "status:N",
                title="Return status",
                sort=statuses,
                scale=alt.Scale(domain=statuses, range=[STATUS_COLOURS[s] for s in statuses]),
            ),
            tooltip=[
                alt.Tooltip("submitter:N", title="Submitter"),
                alt.Tooltip("month:O", title="Month"),
                alt.Tooltip("status:N", title="Status"),
                alt.Tooltip("parts:N", title="Returns"),
            ],
        )
    )


def submitter_quality(rows: list[Row]) -> alt.TopLevelMixin:
    """Timeliness by submitter over the period, best first; hover for validity, warnings and anomalies."""
    return (
        alt.Chart(_data(rows), width=WIDTH - 200, height=alt.Step(16))
        .mark_bar(color="#4c9a5f")
        .encode(
            y=alt.Y("submitter:N", title=None, sort=None, axis=alt.Axis(labelLimit=320)),
            x=alt.X(
                "timeliness_rate:Q",
                title="Returns accepted on time (last 12 months)",
                axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1]),
            ),
            tooltip=[
                alt.Tooltip("rank:Q", title="Rank"),
                alt.Tooltip("submitter:N", title="Submitter"),
                alt.Tooltip("timeliness_rate:Q", title="On time", format=".0%"),
                alt.Tooltip("validity_rate:Q", title="Accepted first time", format=".0%"),
                alt.Tooltip("missing:Q", title="Missing"),
                alt.Tooltip("anomalies:Q", title="Anomalies"),
            ],
        )
    )
