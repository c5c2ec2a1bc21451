with

source as (
    select * from {{ source('glaa', 'glaa_workers') }}
),

renamed as (
    select
        _sha256 as return_sha256,
        _submitter as submitter_code,
        _month as month,
        _version as return_version,
        _row as source_row,
        worker_ref,
        investigation_ref,
        gender,
        nationality as nationality_code,
        identified_date,
        nrm_referred,
        nrm_referral_date,
        dtn_submitted,
        {{ pseudonym_columns() }}
    from source
)

select * from renamed
