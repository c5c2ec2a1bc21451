with

snapshots as (
    select * from {{ ref('int_operations_snapshotted') }}
),

final as (
    select
        operation_id,
        month,
        force_code,
        status,
        potential_victims,
        suspects,
        arrests,
        charges
    from snapshots
)

select
    operation_id,
    month,
    force_code,
    status,
    potential_victims,
    suspects,
    arrests,
    charges
from final
