with

source as (
    select * from {{ source('glaa', 'glaa_investigations') }}
),

renamed as (
    select
        _sha256 as return_sha256,
        _submitter as submitter_code,
        _month as month,
        _version as return_version,
        _row as source_row,
        investigation_ref,
        opened_date,
        status,
        sector,
        force_code,
        modern_slavery_identified,
        workers_identified,
        arrests,
        nrm_referrals,
        dtn_submissions,
        money_recovered_gbp,
        holiday_pay_identified_gbp,
        withheld_wages_identified_gbp
    from source
)

select * from renamed
