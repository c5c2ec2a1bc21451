{% macro age_group(age_column, is_child_column=none) -%}
    {#- CHILD when under 18 at identification, ADULT from 18, else the agency's child flag, else UNKNOWN. -#}
    case
        when {{ age_column }} < 18 then 'CHILD'
        when {{ age_column }} >= 18 then 'ADULT'
        {%- if is_child_column is not none %}
            when {{ is_child_column }} then 'CHILD'
            when not {{ is_child_column }} then 'ADULT'
        {%- endif %}
        else 'UNKNOWN'
    end
{%- endmacro %}


{% macro exploitation_from_indicators(indicators_column) -%}
    {#- One exploitation type from a list of indicators: none means UNKNOWN, several mean MIXED. -#}
    case
        when coalesce(len(list_distinct({{ indicators_column }})), 0) = 0 then 'UNKNOWN'
        when len(list_distinct({{ indicators_column }})) = 1 then list_distinct({{ indicators_column }})[1]
        else 'MIXED'
    end
{%- endmacro %}


{% macro first_of_month(date_column) -%}
    cast(date_trunc('month', {{ date_column }}) as date)
{%- endmacro %}


{% macro safe_rate(numerator, denominator) -%}
    {#- A rate in [0, 1]; null when the denominator is 0. -#}
    case
        when {{ denominator }} > 0 then cast({{ numerator }} as double) / {{ denominator }}
    end
{%- endmacro %}


{% macro return_kinds() %}
    {#-
        One row per kind of return the sources describe (source, agency, part, fixed submitter, due day), read from the
        meta of the raw sources so that the expected returns follow msdw.sources.
    -#}
    {%- set kinds = [] -%}
    {%- if execute -%}
        {%- for node in raw_sources() -%}
            {%- set meta = node.config.meta -%}
            {%- if meta.get('return_part') -%}
                {%- set kind = (
                    meta['return_source'], meta['agency_code'], meta['return_part'], meta.get('submitter'),
                    meta['due_day']
                ) -%}
                {%- if kind not in kinds -%}{%- do kinds.append(kind) -%}{%- endif -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if kinds -%}
        select * from (
            values
            {%- for kind in kinds %}
                (
                    '{{ kind[0] }}', '{{ kind[1] }}', '{{ kind[2] }}',
                    {% if kind[3] %}'{{ kind[3] }}'{% else %}cast(null as varchar){% endif %},
                    {{ kind[4] }}
                ){{ "," if not loop.last }}
            {%- endfor %}
        ) as kinds (source, agency_code, part, fixed_submitter, due_day)
    {%- else -%}
        select
            cast(null as varchar) as source,
            cast(null as varchar) as agency_code,
            cast(null as varchar) as part,
            cast(null as varchar) as fixed_submitter,
            cast(null as integer) as due_day
        limit 0
    {%- endif -%}
{% endmacro %}

{% macro victim_sources() %}
    {#- The sources with a table of victims identified (its meta `identifications`, from msdw.sources). -#}
    {%- set names = [] -%}
    {%- if execute -%}
        {%- for node in raw_sources() -%}
            {%- set meta = node.config.meta -%}
            {%- if meta.get('identifications') and meta['return_source'] not in names -%}
                {%- do names.append(meta['return_source']) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(names) }}
{% endmacro %}

{% macro pseudonym_columns() -%}
    {#- The pseudonym columns that replace names and dates of birth in the raw zone (msdw.raw.PERSON_COLUMNS). -#}
    given_name_key,
    family_name_key,
    name_token_keys,
    name_phonetic_keys,
    name_gram_keys,
    birth_year,
    birth_month,
    dob_key,
    age_at_identification,
    age_source
{%- endmacro %}
