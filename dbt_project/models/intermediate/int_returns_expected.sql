with

returns as (
    select * from {{ ref('int_returns_summarised') }}
),

kinds as (
    {{ return_kinds() }}
),

known as (
    select * from {{ ref('int_submitter_codes') }}
),

final as (
    {{ expected_returns('returns', 'kinds', 'known') }}
)

select * from final
