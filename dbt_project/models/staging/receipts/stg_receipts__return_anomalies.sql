with

source as (
    select * from {{ source('receipts', 'return_anomalies') }}
),

renamed as (
    select
        source,
        submitter as submitter_code,
        month,
        part,
        version as return_version,
        sha256 as return_sha256,
        rule as anomaly_rule,
        rows as anomaly_rows,
        median as history_median,
        message as anomaly_message
    from source
)

select * from renamed
