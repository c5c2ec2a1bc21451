with

months as (
    select * from {{ ref('dim_month') }}
),

agencies as (
    select * from {{ ref('agencies') }}
),

identifications as (
    select * from {{ ref('fct_victim_identifications') }}
),

operation_months as (
    select * from {{ ref('fct_operation_months') }}
),

operations as (
    select * from {{ ref('fct_operations') }}
),

prosecutions as (
    select * from {{ ref('fct_prosecutions') }}
),

glaa_investigations as (
    select * from {{ ref('int_glaa_investigations_latest') }}
),

glaa_inspections as (
    select * from {{ ref('int_glaa_inspections_latest') }}
),

grid as (
    select
        months.month,
        cast(agencies.agency_code as varchar) as agency_code
    from months
    cross join agencies
),

victim_figures as (
    select
        month,
        agency_code,
        count(*) as victims_identified,
        count(*) filter (where nrm_referred) as nrm_referrals,
        count(*) filter (where dtn_submitted) as dtn_submissions
    from identifications
    group by month, agency_code
),

police_operation_figures as (
    select
        month,
        'POLICE' as agency_code,
        count(*) filter (where status in ('LIVE', 'SUSPENDED')) as operations_live,
        coalesce(sum(arrests), 0) as arrests,
        coalesce(sum(charges), 0) as charges
    from operation_months
    group by month
),

police_openings as (
    select
        {{ first_of_month('opened_date') }} as month,
        'POLICE' as agency_code,
        count(*) as operations_opened
    from operations
    where opened_date is not null
    group by 1
),

glaa_investigation_figures as (
    select
        month,
        'GLAA' as agency_code,
        coalesce(sum(arrests), 0) as arrests,
        sum(money_recovered_gbp) as money_recovered_gbp
    from glaa_investigations
    group by month
),

glaa_inspection_figures as (
    select
        month,
        'GLAA' as agency_code,
        count(*) as inspections
    from glaa_inspections
    group by month
),

cps_figures as (
    select
        month,
        'CPS' as agency_code,
        count(*) as defendants_finalised,
        count(*) filter (where convicted) as convictions
    from prosecutions
    group by month
),

final as (
    select
        grid.month,
        grid.agency_code,
        cast(coalesce(victim_figures.victims_identified, 0) as bigint) as victims_identified,
        cast(coalesce(victim_figures.nrm_referrals, 0) as bigint) as nrm_referrals,
        cast(coalesce(victim_figures.dtn_submissions, 0) as bigint) as dtn_submissions,
        cast(coalesce(police_operation_figures.operations_live, 0) as bigint) as operations_live,
        cast(coalesce(police_openings.operations_opened, 0) as bigint) as operations_opened,
        cast(
            coalesce(police_operation_figures.arrests, 0) + coalesce(glaa_investigation_figures.arrests, 0) as bigint
        ) as arrests,
        cast(coalesce(police_operation_figures.charges, 0) as bigint) as charges,
        cast(coalesce(cps_figures.defendants_finalised, 0) as bigint) as defendants_finalised,
        cast(coalesce(cps_figures.convictions, 0) as bigint) as convictions,
        cast(coalesce(glaa_inspection_figures.inspections, 0) as bigint) as inspections,
        cast(coalesce(glaa_investigation_figures.money_recovered_gbp, 0) as decimal(18, 2)) as money_recovered_gbp
    from grid
    left join victim_figures
        on grid.month = victim_figures.month and grid.agency_code = victim_figures.agency_code
    left join police_operation_figures
        on grid.month = police_operation_figures.month and grid.agency_code = police_operation_figures.agency_code
    left join police_openings
        on grid.month = police_openings.month and grid.agency_code = police_openings.agency_code
    left join glaa_investigation_figures
        on grid.month = glaa_investigation_figures.month and grid.agency_code = glaa_investigation_figures.agency_code
    left join glaa_inspection_figures
        on grid.month = glaa_inspection_figures.month and grid.agency_code = glaa_inspection_figures.agency_code
    left join cps_figures
        on grid.month = cps_figures.month and grid.agency_code = cps_figures.agency_code
)

select
    month,
    agency_code,
    victims_identified,
    nrm_referrals,
    dtn_submissions,
    operations_live,
    operations_opened,
    arrests,
    charges,
    defendants_finalised,
    convictions,
    inspections,
    money_recovered_gbp
from final
