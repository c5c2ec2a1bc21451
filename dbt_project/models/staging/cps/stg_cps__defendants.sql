with

source as (
    select * from {{ source('cps', 'cps_defendants') }}
),

renamed as (
    select
        _sha256 as return_sha256,
        _submitter as submitter_code,
        _month as month,
        _version as return_version,
        _row as source_row,
        case_urn,
        defendant_ref,
        cast(cps_area as integer) as cps_area,
        police_force_code as force_code,
        operation_ref,
        case
            when police_force_code is not null and operation_ref is not null
                then police_force_code || ':' || operation_ref
        end as operation_id,
        principal_offence,
        charged_date,
        finalised_date,
        outcome,
        custodial_sentence_months,
        victims_in_case,
        stpo_made,
        confiscation_order_gbp
    from source
)

select * from renamed
