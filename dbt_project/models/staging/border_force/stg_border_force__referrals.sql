with

source as (
    select * from {{ source('border_force', 'border_force_referrals') }}
),

renamed as (
    select
        _sha256 as return_sha256,
        _submitter as submitter_code,
        _month as month,
        _version as return_version,
        _row as source_row,
        referral_id,
        port as port_code,
        encountered_at,
        cast(encountered_at as date) as identified_date,
        gender,
        nationality as nationality_code,
        is_child,
        exploitation_indicators,
        nrm_referred,
        nrm_referral_date,
        safeguarding_referral,
        suspect_detained,
        {{ pseudonym_columns() }}
    from source
)

select * from renamed
