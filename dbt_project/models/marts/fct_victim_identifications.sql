with

identifications as (
    select * from {{ ref('int_victim_identifications_unioned') }}
),

person_links as (
    select * from {{ ref('int_person_links') }}
),

final as (
    select
        identifications.identification_id,
        person_links.person_id,
        identifications.agency_code,
        identifications.submitter_code,
        identifications.force_code,
        identifications.month,
        identifications.identified_date,
        identifications.nationality_code,
        identifications.gender,
        identifications.age_group,
        identifications.exploitation_type,
        identifications.nrm_referred,
        identifications.dtn_submitted,
        identifications.crime_recorded,
        identifications.operation_id
    from identifications
    inner join person_links
        on identifications.identification_id = person_links.identification_id
)

select
    identification_id,
    person_id,
    agency_code,
    submitter_code,
    force_code,
    month,
    identified_date,
    nationality_code,
    gender,
    age_group,
    exploitation_type,
    nrm_referred,
    dtn_submitted,
    crime_recorded,
    operation_id
from final
