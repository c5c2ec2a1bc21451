with

prosecutions as (
    select * from {{ ref('fct_prosecutions') }}
),

final as (
    select
        cast(year(month) as integer) as year,
        cps_area,
        outcome,
        count(*) as defendants
    from prosecutions
    group by 1, 2, 3
)

select
    year,
    cps_area,
    outcome,
    cast(defendants as bigint) as defendants
from final
