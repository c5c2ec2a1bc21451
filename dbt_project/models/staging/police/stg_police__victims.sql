with

source as (
    select * from {{ source('police', 'police_victims') }}
),

renamed as (
    select
        _sha256 as return_sha256,
        _submitter as submitter_code,
        _month as month,
        _version as return_version,
        _row as source_row,
        victim_ref,
        operation_ref,
        case
            when operation_ref is not null then _submitter || ':' || operation_ref
        end as operation_id,
        age_estimate,
        gender,
        nationality as nationality_code,
        exploitation_type,
        identified_date,
        nrm_referred,
        nrm_referral_date,
        dtn_submitted,
        crime_recorded,
        crime_reference,
        {{ pseudonym_columns() }}
    from source
)

select * from renamed
