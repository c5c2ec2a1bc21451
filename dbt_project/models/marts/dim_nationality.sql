with

nationalities as (
    select * from {{ ref('nationalities') }}
),

unknown as (
    select
        'UNK' as nationality_code,
        cast(null as varchar) as alpha2,
        'Unknown' as nationality_name
),

combined as (
    select
        cast(nationality_code as varchar) as nationality_code,
        cast(alpha2 as varchar) as alpha2,
        cast(nationality_name as varchar) as nationality_name
    from nationalities
    union all
    select
        nationality_code,
        alpha2,
        nationality_name
    from unknown
    where not exists (
        select 1 from nationalities as seeded
        where seeded.nationality_code = 'UNK'
    )
),

final as (
    select
        nationality_code,
        alpha2,
        nationality_name
    from combined
)

select
    nationality_code,
    alpha2,
    nationality_name
from final
