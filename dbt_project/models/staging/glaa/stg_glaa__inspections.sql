with

source as (
    select * from {{ source('glaa', 'glaa_inspections') }}
),

renamed as (
    select
        _sha256 as return_sha256,
        _submitter as submitter_code,
        _month as month,
        _version as return_version,
        _row as source_row,
        inspection_ref,
        inspection_date,
        sector,
        licence_number,
        outcome,
        force_code
    from source
)

select * from renamed
