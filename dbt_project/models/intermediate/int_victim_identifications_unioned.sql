{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='month',
    )
}}

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

glaa_investigations as (
    select * from {{ ref('int_glaa_investigations_latest') }}
),

ports as (
    select * from {{ ref('ports') }}
),

investigation_areas as (
    -- where each GLAA investigation's work was, as last reported
    select
        investigation_ref,
        arg_max(force_code, month) as force_code
    from glaa_investigations
    where force_code is not null
    group by investigation_ref
),

from_police as (
    select
        'POLICE:' || submitter_code || ':' || victim_ref as identification_id,
        'POLICE' as agency_code,
        submitter_code,
        victim_ref as record_ref,
        submitter_code as force_code,
        month,
        identified_date,
        nationality_code,
        gender,
        age_at_identification,
        age_source,
        {{ age_group('age_at_identification') }} as age_group,
        coalesce(exploitation_type, 'UNKNOWN') as exploitation_type,
        nrm_referred,
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
    from police_victims
),

from_glaa as (
    select
        'GLAA:' || glaa_workers.submitter_code || ':' || glaa_workers.worker_ref as identification_id,
        'GLAA' as agency_code,
        glaa_workers.submitter_code,
        glaa_workers.worker_ref as record_ref,
        investigation_areas.force_code,
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
    left join investigation_areas
        on glaa_workers.investigation_ref = investigation_areas.investigation_ref
),

from_border_force as (
    select
        'BORDER_FORCE:' || border_force_referrals.submitter_code || ':' || border_force_referrals.referral_id
            as identification_id,
        'BORDER_FORCE' as agency_code,
        border_force_referrals.submitter_code,
        border_force_referrals.referral_id as record_ref,
        ports.force_code,
        border_force_referrals.month,
        border_force_referrals.identified_date,
        border_force_referrals.nationality_code,
        border_force_referrals.gender,
        border_force_referrals.age_at_identification,
        border_force_referrals.age_source,
        {{ age_group('border_force_referrals.age_at_identification', 'border_force_referrals.is_child') }}
            as age_group,
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
    left join ports
        on border_force_referrals.port_code = ports.port_code
),

unioned as (
    select * from from_police
    union all by name
    select * from from_glaa
    union all by name
    select * from from_border_force
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
