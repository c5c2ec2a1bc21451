with

snapshots as (
    select * from {{ ref('int_operations_snapshotted') }}
),

latest as (
    select *
    from snapshots
    qualify row_number() over (partition by operation_id order by month desc) = 1
),

totals as (
    select
        operation_id,
        min(month) as first_reported_month,
        max(month) as last_reported_month,
        cast(count(*) as bigint) as months_reported,
        cast(coalesce(sum(arrests), 0) as bigint) as arrests,
        cast(coalesce(sum(charges), 0) as bigint) as charges
    from snapshots
    group by operation_id
),

final as (
    select
        latest.operation_id,
        latest.force_code,
        latest.operation_ref,
        latest.lead_agency,
        latest.opened_date,
        latest.closed_date,
        latest.status,
        latest.primary_exploitation,
        latest.potential_victims,
        latest.suspects,
        totals.arrests,
        totals.charges,
        totals.first_reported_month,
        totals.last_reported_month,
        totals.months_reported
    from latest
    inner join totals on latest.operation_id = totals.operation_id
)

select
    operation_id,
    force_code,
    operation_ref,
    lead_agency,
    opened_date,
    closed_date,
    status,
    primary_exploitation,
    potential_victims,
    suspects,
    arrests,
    charges,
    first_reported_month,
    last_reported_month,
    months_reported
from final
