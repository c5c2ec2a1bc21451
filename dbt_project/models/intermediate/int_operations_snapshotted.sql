{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='month',
    )
}}

with

operation_rows as (
    {{ latest_accepted(ref('stg_police__operations')) }}
),

final as (
    select
        operation_id,
        month,
        force_code,
        operation_ref,
        submitter_code,
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
        jit,
        return_version,
        processed_at
    from operation_rows
)

select * from final
