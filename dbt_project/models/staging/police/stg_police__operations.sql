with

source as (
    select * from {{ source('police', 'police_operations') }}
),

renamed as (
    select
        _sha256 as return_sha256,
        _submitter as submitter_code,
        _month as month,
        _version as return_version,
        _row as source_row,
        force_code,
        operation_ref,
        force_code || ':' || operation_ref as operation_id,
        lead_agency,
        opened_date,
        status,
        closed_date,
        primary_exploitation,
        potential_victims,
        suspects,
        suspect_nationalities,
        arrests,
        charges,
        crime_reference,
        europol_check,
        jit
    from source
)

select * from renamed
