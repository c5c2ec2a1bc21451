{#-
    person_id for every identification. The linkage step writes (identification_id, person_id) to the file named by
    var person_links_path; where it has not run, an exact match of the name and date-of-birth pseudonyms links
    records, and a record without them is a person of its own.
-#}
{%- set links_path = var('person_links_path') -%}
{%- set has_links = false -%}
{%- if execute and links_path -%}
    {%- set found = run_query("select count(*) from glob('" ~ links_path ~ "')").columns[0].values()[0] -%}
    {%- set has_links = found > 0 -%}
{%- endif %}

with

identifications as (
    select * from {{ ref('int_victim_identifications_unioned') }}
),

{% if has_links -%}
linked as (
    select
        identification_id,
        any_value(cast(person_id as varchar)) as person_id
    from read_parquet('{{ links_path }}')
    group by identification_id
),
{%- else -%}
    linked as (
        select
            cast(null as varchar) as identification_id,
            cast(null as varchar) as person_id
        limit 0
    ),
{%- endif %}

exact_match as (
    select
        identification_id,
        case
            when given_name_key is not null and family_name_key is not null and dob_key is not null
                then md5(family_name_key || '|' || given_name_key || '|' || dob_key)
            else md5(identification_id)
        end as person_id
    from identifications
),

final as (
    select
        exact_match.identification_id,
        coalesce(linked.person_id, exact_match.person_id) as person_id,
        case when linked.person_id is null then 'EXACT_PSEUDONYMS' else 'LINKAGE' end as link_method
    from exact_match
    left join linked
        on exact_match.identification_id = linked.identification_id
)

select * from final
