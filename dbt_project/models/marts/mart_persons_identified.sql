{#-
    Identification records and the distinct persons behind them, by financial year and agency, with `ALL` for the
    agencies together: a person identified by two agencies in a year counts once in `ALL` and once in each agency.
    Dashboards read these totals here; distinct counts over the identification facts take far longer.
-#}
with

identifications as (
    select
        months.financial_year,
        facts.agency_code,
        facts.person_id,
        facts.nrm_referred
    from {{ ref('fct_victim_identifications') }} as facts
    inner join {{ ref('dim_month') }} as months on facts.month = months.month
),

final as (
    -- one row per financial year and agency, and one per financial year for the agencies together
    select
        financial_year,
        case when grouping(agency_code) = 1 then 'ALL' else agency_code end as agency_code,
        count(*) as identifications,
        count(distinct person_id) as persons,
        count(*) filter (where nrm_referred) as nrm_referrals,
        count(distinct person_id) filter (where nrm_referred) as persons_nrm_referred
    from identifications
    group by rollup(financial_year, agency_code)
    having grouping(financial_year) = 0  -- not the grand total
)

select
    financial_year,
    agency_code,
    cast(identifications as bigint) as identifications,
    cast(persons as bigint) as persons,
    cast(nrm_referrals as bigint) as nrm_referrals,
    cast(persons_nrm_referred as bigint) as persons_nrm_referred
from final
