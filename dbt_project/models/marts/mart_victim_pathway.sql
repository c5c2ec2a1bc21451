with

victims as (
    select * from {{ ref('fct_victims') }}
),

identifications as (
    select * from {{ ref('fct_victim_identifications') }}
),

prosecutions as (
    select * from {{ ref('fct_prosecutions') }}
),

prosecuted_operations as (
    select
        operation_id,
        bool_or(convicted) as any_conviction
    from prosecutions
    where operation_id is not null
    group by operation_id
),

person_outcomes as (
    select
        identifications.person_id,
        count(prosecuted_operations.operation_id) > 0 as in_prosecuted_operation,
        coalesce(bool_or(prosecuted_operations.any_conviction), false) as in_convicted_operation
    from identifications
    left join prosecuted_operations
        on identifications.operation_id = prosecuted_operations.operation_id
    group by identifications.person_id
),

final as (
    select
        cast(year(victims.first_identified_month) as integer) as year,
        victims.exploitation_type,
        count(*) as persons_identified,
        count(*) filter (where victims.ever_nrm_referred) as persons_nrm_referred,
        count(*) filter (where victims.ever_crime_recorded) as persons_crime_recorded,
        count(*) filter (where person_outcomes.in_prosecuted_operation) as persons_in_prosecuted_operation,
        count(*) filter (where person_outcomes.in_convicted_operation) as persons_in_convicted_operation
    from victims
    inner join person_outcomes on victims.person_id = person_outcomes.person_id
    group by 1, 2
)

select
    year,
    exploitation_type,
    cast(persons_identified as bigint) as persons_identified,
    cast(persons_nrm_referred as bigint) as persons_nrm_referred,
    cast(persons_crime_recorded as bigint) as persons_crime_recorded,
    cast(persons_in_prosecuted_operation as bigint) as persons_in_prosecuted_operation,
    cast(persons_in_convicted_operation as bigint) as persons_in_convicted_operation
from final
