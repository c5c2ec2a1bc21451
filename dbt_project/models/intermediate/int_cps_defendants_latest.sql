{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='month',
    )
}}

with

final as (
    {{ latest_accepted(ref('stg_cps__defendants')) }}
)

select * from final
