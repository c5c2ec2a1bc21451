with

source as (
    select * from {{ source('ledger', 'return_versions') }}
),

renamed as (
    select
        return_key,
        source,
        submitter as submitter_code,
        month,
        part,
        version as return_version,
        sha256 as return_sha256,
        original_path,
        received_at,
        status as version_status,
        rows as rows_accepted,
        warnings,
        warning_text,
        error_text,
        coalesce(processed_at, received_at) as processed_at
    from source
)

select * from renamed
