with

identifications as (
    select * from {{ ref('fct_victim_identifications') }}
),

ordered as (
    select
        *,
        row_number() over (
            partition by person_id
            order by identified_date, month, identification_id
        ) as identification_order
    from identifications
),

firsts as (
    select * from ordered
    where identification_order = 1
),

known_traits as (
    -- nationality and gender as first reported where known
    select
        person_id,
        arg_min(nationality_code, identification_order) filter (where nationality_code != 'UNK')
            as known_nationality_code,
        arg_min(gender, identification_order) filter (where gender != 'UNKNOWN') as known_gender
    from ordered
    group by person_id
),

totals as (
    select
        person_id,
        count(distinct agency_code) as agencies_count,
        count(*) as identifications_count,
        bool_or(nrm_referred) as ever_nrm_referred,
        coalesce(bool_or(crime_recorded), false) as ever_crime_recorded
    from identifications
    group by person_id
),

final as (
    select
        firsts.person_id,
        firsts.month as first_identified_month,
        firsts.identified_date as first_identified_date,
        firsts.agency_code as first_agency_code,
        totals.agencies_count,
        totals.identifications_count,
        coalesce(known_traits.known_nationality_code, 'UNK') as nationality_code,
        coalesce(known_traits.known_gender, 'UNKNOWN') as gender,
        firsts.age_group,
        firsts.exploitation_type,
        totals.ever_nrm_referred,
        totals.ever_crime_recorded
    from firsts
    inner join totals on firsts.person_id = totals.person_id
    inner join known_traits on firsts.person_id = known_traits.person_id
)

select
    person_id,
    first_identified_month,
    first_identified_date,
    first_agency_code,
    agencies_count,
    identifications_count,
    nationality_code,
    gender,
    age_group,
    exploitation_type,
    ever_nrm_referred,
    ever_crime_recorded
from final
