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

by_agency as (
    select
        financial_year,
        agency_code,
        count(*) as identifications,
        count(distinct person_id) as persons,
        count(*) filter (where nrm_referred) as nrm_referrals,
        count(distinct person_id) filter (where nrm_referred) as persons_nrm_referred
    from identifications
    group by financial_year, agency_code
),

all_agencies as (
    select
        financial_year,
        'ALL' as agency_code,
        count(*) as identifications,
        count(distinct person_id) as persons,
        count(*) filter (where nrm_referred) as nrm_referrals,
        count(distinct person_id) filter (where nrm_referred) as persons_nrm_referred
    from identifications
    group by financial_year
),

final as (
    select * from by_agency
    union all
    select * from all_agencies
)

select
    financial_year,
    agency_code,
    cast(identifications as bigint) as identifications,
    cast(persons as bigint) as persons,
    cast(nrm_referrals as bigint) as nrm_referrals,
    cast(persons_nrm_referred as bigint) as persons_nrm_referred
from final
