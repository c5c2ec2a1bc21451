{% macro changed_months() %}
    {#- Months holding a return version processed since this incremental model last ran. -#}
    select summarised.month
    from {{ ref('int_returns_summarised') }} as summarised
    where summarised.last_processed_at > (
        select coalesce(max(current_rows.processed_at), timestamp '1900-01-01')
        from {{ this }} as current_rows
    )
{% endmacro %}


{% macro latest_accepted(relation) %}
    {#-
        The rows of `relation` (a staging model of one raw table) that belong to the latest accepted version of
        their return, each with the time that version was processed. A revision replaces its return completely.
        In an incremental run only the months with newly processed versions are read.
    -#}
    select
        version_rows.*,
        summarised.accepted_processed_at as processed_at
    from {{ relation }} as version_rows
    inner join {{ ref('int_returns_summarised') }} as summarised
        on
            version_rows.return_sha256 = summarised.accepted_sha256
            and version_rows.submitter_code = summarised.submitter_code
            and version_rows.month = summarised.month
    {%- if is_incremental() %}
        where version_rows.month in ({{ changed_months() }})
    {%- endif %}
{% endmacro %}


{% macro latest_accepted_model(staging_model) %}
    {#-
        A whole intermediate model: the latest accepted version of every return of one staging model, rebuilt month
        by month (incremental, delete+insert on month). Each int_<table>_latest model is one call of this macro.
    -#}
    {{
        config(
            materialized='incremental',
            incremental_strategy='delete+insert',
            unique_key='month',
        )
    }}
    {{ latest_accepted(ref(staging_model)) }}
{% endmacro %}
