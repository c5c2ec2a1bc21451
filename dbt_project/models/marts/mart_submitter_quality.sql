with

return_status as (
    select * from {{ ref('mart_return_status') }}
),

versions as (
    select * from {{ ref('stg_ledger__return_versions') }}
),

anomalies as (
    select * from {{ ref('stg_receipts__return_anomalies') }}
),

first_versions as (
    select
        source,
        submitter_code,
        month,
        part,
        version_status = 'ACCEPTED' as accepted_first_time
    from versions
    where return_version = 1
),

flags as (
    select
        source,
        submitter_code,
        month,
        part,
        return_sha256,
        count(*) as anomalies
    from anomalies
    group by source, submitter_code, month, part, return_sha256
),

returns as (
    select
        return_status.month,
        return_status.source,
        return_status.submitter,
        return_status.part,
        return_status.status,
        return_status.status = 'ACCEPTED' as on_time,
        case
            when return_status.status = 'LATE'
                then date_diff(
                    'day', cast(return_status.due_at as date), cast(return_status.first_received_at as date)
                ) + 1
            when return_status.status = 'ACCEPTED' then 0
        end as days_late,
        return_status.versions_received,
        first_versions.accepted_first_time,
        coalesce(return_status.rows_accepted, 0) as rows_accepted,
        coalesce(return_status.warnings, 0) as warnings,
        coalesce(flags.anomalies, 0) as anomalies
    from return_status
    left join first_versions
        on
            return_status.source = first_versions.source
            and return_status.submitter = first_versions.submitter_code
            and return_status.month = first_versions.month
            and return_status.part = first_versions.part
    left join flags
        on
            return_status.source = flags.source
            and return_status.submitter = flags.submitter_code
            and return_status.month = flags.month
            and return_status.part = flags.part
            and return_status.accepted_sha256 = flags.return_sha256
),

final as (
    select
        *,
        avg(case when on_time then 1.0 else 0.0 end) over last_year as timeliness_rate,
        avg(case when accepted_first_time then 1.0 when not accepted_first_time then 0.0 end)
            over last_year as validity_rate
    from returns
    window last_year as (
        partition by source, submitter, part
        order by month
        range between interval 11 month preceding and current row
    )
)

select
    month,
    source,
    submitter,
    part,
    status,
    on_time,
    cast(days_late as bigint) as days_late,
    cast(versions_received as bigint) as versions_received,
    accepted_first_time,
    cast(rows_accepted as bigint) as rows_accepted,
    cast(warnings as bigint) as warnings,
    cast(anomalies as bigint) as anomalies,
    cast(timeliness_rate as double) as timeliness_rate,
    cast(validity_rate as double) as validity_rate
from final
