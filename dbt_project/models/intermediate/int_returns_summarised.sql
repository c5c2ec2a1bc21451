with

versions as (
    select * from {{ ref('stg_ledger__return_versions') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by source, submitter_code, month, part
            order by return_version desc, processed_at desc
        ) as recency,
        row_number() over (
            partition by source, submitter_code, month, part, version_status
            order by return_version desc, processed_at desc
        ) as recency_in_status
    from versions
),

received as (
    select
        source,
        submitter_code,
        month,
        part,
        count(*) as versions_received,
        min(received_at) as first_received_at,
        max(processed_at) as last_processed_at
    from versions
    group by source, submitter_code, month, part
),

latest_accepted as (
    select * from ranked
    where version_status = 'ACCEPTED' and recency_in_status = 1
),

latest_version as (
    select * from ranked
    where recency = 1
),

final as (
    select
        received.source,
        received.submitter_code,
        received.month,
        received.part,
        received.versions_received,
        received.first_received_at,
        received.last_processed_at,
        latest_accepted.return_version as accepted_version,
        latest_accepted.return_sha256 as accepted_sha256,
        latest_accepted.received_at as accepted_received_at,
        latest_accepted.processed_at as accepted_processed_at,
        latest_accepted.rows_accepted,
        latest_accepted.warnings,
        latest_version.received_at as last_received_at,
        case
            when latest_version.version_status = 'QUARANTINED' then latest_version.error_text
        end as last_error
    from received
    inner join latest_version
        on
            received.source = latest_version.source
            and received.submitter_code = latest_version.submitter_code
            and received.month = latest_version.month
            and received.part = latest_version.part
    left join latest_accepted
        on
            received.source = latest_accepted.source
            and received.submitter_code = latest_accepted.submitter_code
            and received.month = latest_accepted.month
            and received.part = latest_accepted.part
)

select * from final
