with

returns as (
    select * from {{ ref('int_returns_summarised') }}
),

kinds as (
    {{ return_kinds() }}
),

final as (
    {{ expected_returns('returns', 'kinds') }}
)

select * from final
