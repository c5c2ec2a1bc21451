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


{% macro raw_columns_sql(node) %}
    {#- The columns of a raw zone table, typed as declared. -#}
    {%- for column in node.columns.values() %}
        cast({{ adapter.quote(column.name) }} as {{ column.data_type }}) as {{ adapter.quote(column.name) }}
        {{- "," if not loop.last }}
    {%- endfor %}
{% endmacro %}


{% macro raw_view_sql(node, location) %}
    {#- The rows of a raw zone file (a table kept as one file), typed as declared; none when it is absent. -#}
    {%- set matches = run_query("select count(*) from glob('" ~ location ~ "')").columns[0].values()[0] -%}
    {%- if matches == 0 -%}
        {{ empty_relation_sql(node.columns) }}
    {%- else -%}
        select {{ raw_columns_sql(node) }}
        from read_parquet('{{ location }}', union_by_name = true)
    {%- endif -%}
{% endmacro %}


{% macro existing_relation(node) %}
    {#- ('table', its comment), ('view', none) or (none, none): what the build database holds under a source's name. -#}
    {%- set found = run_query(
        "select 'table', comment from duckdb_tables() where schema_name = '" ~ node.schema
        ~ "' and table_name = '" ~ node.identifier ~ "' union all select 'view', null from duckdb_views() "
        ~ "where schema_name = '" ~ node.schema ~ "' and view_name = '" ~ node.identifier ~ "'"
    ) -%}
    {%- if found.rows | length > 0 -%}
        {{ return((found.columns[0].values()[0], found.columns[1].values()[0])) }}
    {%- endif -%}
    {{ return((none, none)) }}
{% endmacro %}


{% macro sync_raw_table(node, relation, location) %}
    {#-
        Keep `relation` a table of the rows of every file matching `location` (a glob of raw files, which are never
        rewritten: a revision is a new file), with each row's file in `_file` (its path inside the raw zone). Rows of
        files no longer there are deleted; files not yet loaded are read and added. The table's comment holds a
        digest of the declared columns: when they change, the table is loaded again from every file.
    -#}
    {%- set layout = 'msdw raw mirror ' ~ local_md5(node.columns.values() | map(attribute='name') | join(',')
        ~ '|' ~ node.columns.values() | map(attribute='data_type') | join(',')) -%}
    {%- set kind, comment = existing_relation(node) -%}
    {%- if kind == 'view' -%}
        {%- do run_query('drop view ' ~ relation) -%}
    {%- elif kind == 'table' and comment != layout -%}
        {%- do run_query('drop table ' ~ relation) -%}
    {%- endif -%}
    {%- if kind != 'table' or comment != layout -%}
        {%- do run_query(
            'create table ' ~ relation ~ ' as select *, cast(null as varchar) as _file from ('
            ~ empty_relation_sql(node.columns) ~ ')'
        ) -%}
        {%- do run_query("comment on table " ~ relation ~ " is '" ~ layout ~ "'") -%}
    {%- endif -%}
    {#- a file's name in `_file` is its last path components, as many as raw_path has (`police_victims/<month>/<file>`),
        whatever form the raw zone's path was given in (relative, with `..`, a symbolic link) -#}
    {%- set depth = node.config.meta['raw_path'].split('/') | length -%}
    {%- set present = "select file as path, array_to_string(string_split(file, '/')[-" ~ depth ~ ":], '/') as file "
        ~ "from glob('" ~ location ~ "')" -%}
    {%- do run_query("delete from " ~ relation ~ " where _file not in (select file from (" ~ present ~ "))") -%}
    {%- set new_files = run_query(
        "select path from (" ~ present ~ ") where file not in (select distinct _file from " ~ relation ~ ") "
        ~ "order by file"
    ).columns[0].values() -%}
    {%- if new_files | length > 0 -%}
        {%- set file_list = [] -%}
        {%- for file in new_files -%}{%- do file_list.append("'" ~ file | replace("'", "''") ~ "'") -%}{%- endfor -%}
        {%- do run_query(
            'insert into ' ~ relation ~ ' by name select ' ~ raw_columns_sql(node) ~ ", array_to_string("
            ~ "string_split(filename, '/')[-" ~ depth ~ ":], '/') as _file from read_parquet(["
            ~ file_list | join(', ') ~ '], union_by_name = true, filename = true)'
        ) -%}
    {%- endif -%}
    {{ log('raw zone: ' ~ relation ~ ': ' ~ new_files | length ~ ' new files loaded', info=false) }}
{% endmacro %}


{% macro load_raw_zone() %}
    {#-
        Bring the raw zone (var raw_dir) into the build database, schema `raw`, one relation per source table:
        tables of versioned raw files are kept in step with them (`sync_raw_table`: a run reads only the files added
        since the last one, so a month costs the month), a table kept as one file (the ledger's export) is a view.
        Run on every dbt invocation (the project's on-run-start hook) unless var raw_zone is 'ready': a build split
        into one invocation per model (Airflow) loads it once up front, in the invocation that builds everything
        below the marts.
    -#}
    {%- if execute and var('raw_zone', 'load') != 'ready' -%}
        {%- set raw_dir = var('raw_dir') -%}
        {%- for node in raw_sources() -%}
            {%- do run_query('create schema if not exists ' ~ adapter.quote(node.schema)) -%}
            {%- set relation = adapter.quote(node.schema) ~ '.' ~ adapter.quote(node.identifier) -%}
            {%- set location = raw_dir.rstrip('/') ~ '/' ~ node.config.meta['raw_path'] -%}
            {%- if '*' in node.config.meta['raw_path'] -%}
                {%- do sync_raw_table(node, relation, location) -%}
            {%- else -%}
                {%- if existing_relation(node)[0] == 'table' -%}{%- do run_query('drop table ' ~ relation) -%}{%- endif -%}
                {%- do run_query('create or replace view ' ~ relation ~ ' as ' ~ raw_view_sql(node, location)) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    select 1
{% endmacro %}
