with

expected as (
    select * from {{ ref('int_returns_expected') }}
),

returns as (
    select * from {{ ref('int_returns_summarised') }}
),

final as (
    select
        expected.month,
        expected.source,
        expected.submitter_code as submitter,
        expected.part,
        {{
            return_status(
                'returns.accepted_sha256 is not null',
                'returns.versions_received',
                'returns.first_received_at',
                'expected.due_at',
            )
        }} as status,
        cast(coalesce(returns.versions_received, 0) as bigint) as versions_received,
        returns.accepted_sha256,
        coalesce(returns.accepted_received_at, returns.last_received_at) as received_at,
        returns.first_received_at,
        expected.due_at,
        cast(returns.rows_accepted as bigint) as rows_accepted,
        cast(returns.warnings as bigint) as warnings,
        returns.last_error
    from expected
    left join returns
        on
            expected.source = returns.source
            and expected.submitter_code = returns.submitter_code
            and expected.month = returns.month
            and expected.part = returns.part
)

select
    month,
    source,
    submitter,
    part,
    status,
    versions_received,
    accepted_sha256,
    received_at,
    first_received_at,
    due_at,
    rows_accepted,
    warnings,
    last_error
from final
