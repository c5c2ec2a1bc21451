{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='month',
    )
}}

-- Generated from msdw.sources by `make generate`: change the source descriptions, then regenerate.

with

police_victims as (
    {{ latest_accepted(ref('stg_police__victims')) }}
),

glaa_workers as (
    {{ latest_accepted(ref('stg_glaa__workers')) }}
),

border_force_referrals as (
    {{ latest_accepted(ref('stg_border_force__referrals')) }}
),

glaa_workers_places as (
    -- where each investigation_ref was, as last reported
    select
        investigation_ref,
        arg_max(force_code, month) as force_code
    from {{ ref('int_glaa_investigations_latest') }}
    where force_code is not null
    group by investigation_ref
),

border_force_referrals_places as (
    select
        port_code,
        force_code
    from {{ ref('ports') }}
),

from_police_victims as (
    select
        'POLICE:' || police_victims.submitter_code || ':' || police_victims.victim_ref as identification_id,
        'POLICE' as agency_code,
        police_victims.submitter_code,
        police_victims.victim_ref as record_ref,
        police_victims.submitter_code as force_code,
        police_victims.month,
        police_victims.identified_date,
        police_victims.nationality_code,
        police_victims.gender,
        police_victims.age_at_identification,
        police_victims.age_source,
        {{ age_group('police_victims.age_at_identification') }} as age_group,
        coalesce(police_victims.exploitation_type, 'UNKNOWN') as exploitation_type,
        police_victims.nrm_referred,
        police_victims.dtn_submitted,
        police_victims.crime_recorded,
        police_victims.operation_id,
        police_victims.given_name_key,
        police_victims.family_name_key,
        police_victims.dob_key,
        police_victims.birth_year,
        police_victims.birth_month,
        police_victims.name_token_keys,
        police_victims.name_phonetic_keys,
        police_victims.name_gram_keys,
        police_victims.return_version,
        police_victims.processed_at
    from police_victims
),

from_glaa_workers as (
    select
        'GLAA:' || glaa_workers.submitter_code || ':' || glaa_workers.worker_ref as identification_id,
        'GLAA' as agency_code,
        glaa_workers.submitter_code,
        glaa_workers.worker_ref as record_ref,
        glaa_workers_places.force_code,
        glaa_workers.month,
        glaa_workers.identified_date,
        glaa_workers.nationality_code,
        glaa_workers.gender,
        glaa_workers.age_at_identification,
        glaa_workers.age_source,
        {{ age_group('glaa_workers.age_at_identification') }} as age_group,
        'LABOUR' as exploitation_type,
        glaa_workers.nrm_referred,
        glaa_workers.dtn_submitted,
        cast(null as boolean) as crime_recorded,
        cast(null as varchar) as operation_id,
        glaa_workers.given_name_key,
        glaa_workers.family_name_key,
        glaa_workers.dob_key,
        glaa_workers.birth_year,
        glaa_workers.birth_month,
        glaa_workers.name_token_keys,
        glaa_workers.name_phonetic_keys,
        glaa_workers.name_gram_keys,
        glaa_workers.return_version,
        glaa_workers.processed_at
    from glaa_workers
    left join glaa_workers_places
        on glaa_workers.investigation_ref = glaa_workers_places.investigation_ref
),

from_border_force_referrals as (
    select
        'BORDER_FORCE:' || border_force_referrals.submitter_code || ':' || border_force_referrals.referral_id
            as identification_id,
        'BORDER_FORCE' as agency_code,
        border_force_referrals.submitter_code,
        border_force_referrals.referral_id as record_ref,
        border_force_referrals_places.force_code,
        border_force_referrals.month,
        border_force_referrals.identified_date,
        border_force_referrals.nationality_code,
        border_force_referrals.gender,
        border_force_referrals.age_at_identification,
        border_force_referrals.age_source,
        {{ age_group('border_force_referrals.age_at_identification', 'border_force_referrals.is_child') }} as age_group,
        {{ exploitation_from_indicators('border_force_referrals.exploitation_indicators') }} as exploitation_type,
        border_force_referrals.nrm_referred,
        cast(null as boolean) as dtn_submitted,
        cast(null as boolean) as crime_recorded,
        cast(null as varchar) as operation_id,
        border_force_referrals.given_name_key,
        border_force_referrals.family_name_key,
        border_force_referrals.dob_key,
        border_force_referrals.birth_year,
        border_force_referrals.birth_month,
        border_force_referrals.name_token_keys,
        border_force_referrals.name_phonetic_keys,
        border_force_referrals.name_gram_keys,
        border_force_referrals.return_version,
        border_force_referrals.processed_at
    from border_force_referrals
    left join border_force_referrals_places
        on border_force_referrals.port_code = border_force_referrals_places.port_code
),

unioned as (
    select * from from_police_victims
    union all by name
    select * from from_glaa_workers
    union all by name
    select * from from_border_force_referrals
),

final as (
    select
        identification_id,
        agency_code,
        submitter_code,
        record_ref,
        force_code,
        month,
        identified_date,
        coalesce(nationality_code, 'UNK') as nationality_code,
        coalesce(gender, 'UNKNOWN') as gender,
        age_at_identification,
        age_source,
        age_group,
        exploitation_type,
        coalesce(nrm_referred, false) as nrm_referred,
        dtn_submitted,
        crime_recorded,
        operation_id,
        given_name_key,
        family_name_key,
        dob_key,
        birth_year,
        birth_month,
        name_token_keys,
        name_phonetic_keys,
        name_gram_keys,
        return_version,
        processed_at
    from unioned
)

select * from final
