{% macro raw_sources() %}
    {#- Every source table that lives in the raw zone: the ones whose meta names a raw_path. -#}
    {%- set found = [] -%}
    {%- for node in graph.sources.values() -%}
        {%- if node.package_name == project_name and node.config.meta.get('raw_path') -%}
            {%- do found.append(node) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(found) }}
{% endmacro %}


{% macro empty_relation_sql(columns) %}
    {#- A relation with the columns of a source, typed as declared, and no rows. -#}
    select
    {%- for column in columns.values() %}
        cast(null as {{ column.data_type }}) as {{ adapter.quote(column.name) }}{{ "," if not loop.last }}
    {%- endfor %}
    limit 0
{% endmacro %}


{% macro raw_relation_sql(node, raw_dir) %}
    {#- The rows of a raw zone table, typed as declared; no rows when the table has no file yet. -#}
    {%- set location = raw_dir.rstrip('/') ~ '/' ~ node.config.meta['raw_path'] -%}
    {%- set matches = run_query("select count(*) from glob('" ~ location ~ "')").columns[0].values()[0] -%}
    {%- if matches == 0 -%}
        {{ empty_relation_sql(node.columns) }}
    {%- else -%}
        select
        {%- for column in node.columns.values() %}
            cast({{ adapter.quote(column.name) }} as {{ column.data_type }}) as {{ adapter.quote(column.name) }}
            {{- "," if not loop.last }}
        {%- endfor %}
        from read_parquet('{{ location }}', union_by_name = true)
    {%- endif -%}
{% endmacro %}


{% macro create_raw_views() %}
    {#-
        Expose the raw zone (var raw_dir) to the build database as views, one per source table. Run on every dbt
        invocation (the project's on-run-start hook) unless var raw_views is 'ready': a build split into one
        invocation per model (Airflow) creates them once up front (`dbt run-operation create_raw_views`), because
        creating a view reads the footer of every raw file of its table.
    -#}
    {%- if execute and var('raw_views', 'create') != 'ready' -%}
        {%- set raw_dir = var('raw_dir') -%}
        {%- for node in raw_sources() -%}
            {%- do run_query('create schema if not exists ' ~ adapter.quote(node.schema)) -%}
            {%- set sql -%}
                create or replace view {{ adapter.quote(node.schema) }}.{{ adapter.quote(node.identifier) }} as
                {{ raw_relation_sql(node, raw_dir) }}
            {%- endset -%}
            {%- do run_query(sql) -%}
        {%- endfor -%}
    {%- endif -%}
    select 1
{% endmacro %}
