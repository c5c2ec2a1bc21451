{#-
    Police operations by the year they opened and their main exploitation type, and how far they went: the
    operations a CPS row names (prosecuted), their cases and finalised defendants, and the operations with a
    conviction. Arrests and charges are the operations' totals.
-#}
with

operations as (
    select * from {{ ref('fct_operations') }}
),

prosecutions as (
    select * from {{ ref('fct_prosecutions') }}
),

operation_prosecutions as (
    select
        operation_id,
        count(distinct case_urn) as cases,
        count(*) as defendants,
        count(*) filter (where convicted) as convictions
    from prosecutions
    where operation_id is not null
    group by operation_id
),

final as (
    select
        cast(year(operations.opened_date) as integer) as opened_year,
        coalesce(operations.primary_exploitation, 'UNKNOWN') as primary_exploitation,
        count(*) as operations,
        coalesce(sum(operations.arrests), 0) as arrests,
        coalesce(sum(operations.charges), 0) as charges,
        count(operation_prosecutions.operation_id) as operations_prosecuted,
        coalesce(sum(operation_prosecutions.cases), 0) as prosecution_cases,
        coalesce(sum(operation_prosecutions.defendants), 0) as defendants_finalised,
        coalesce(sum(operation_prosecutions.convictions), 0) as convictions,
        count(*) filter (where operation_prosecutions.convictions > 0) as operations_convicted
    from operations
    left join operation_prosecutions on operations.operation_id = operation_prosecutions.operation_id
    group by 1, 2
)

select
    opened_year,
    primary_exploitation,
    cast(operations as bigint) as operations,
    cast(arrests as bigint) as arrests,
    cast(charges as bigint) as charges,
    cast(operations_prosecuted as bigint) as operations_prosecuted,
    cast(prosecution_cases as bigint) as prosecution_cases,
    cast(defendants_finalised as bigint) as defendants_finalised,
    cast(convictions as bigint) as convictions,
    cast(operations_convicted as bigint) as operations_convicted
from final
