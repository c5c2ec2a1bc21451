with

returns as (
    select * from {{ ref('int_returns_summarised') }}
),

kinds as (
    {{ return_kinds() }}
),

months as (
    select cast(unnest(generate_series(min(month), max(month), interval 1 month)) as date) as month
    from returns
),

submitters as (
    -- a fixed submitter (GLAA, BF, CPS) is always expected; police forces once they have sent any return
    select distinct
        kinds.source,
        kinds.agency_code,
        kinds.part,
        coalesce(kinds.fixed_submitter, returns.submitter_code) as submitter_code
    from kinds
    left join returns
        on kinds.source = returns.source and kinds.fixed_submitter is null
    where kinds.fixed_submitter is not null or returns.submitter_code is not null
),

final as (
    select
        months.month,
        submitters.source,
        submitters.agency_code,
        submitters.submitter_code,
        submitters.part,
        cast(months.month + interval 1 month + interval 15 day as timestamp) as due_at
    from months
    cross join submitters
)

select * from final
