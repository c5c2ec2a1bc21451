{% macro generate_schema_name(custom_schema_name, node) -%}
    {#- A model's schema is its folder's schema as named, so marts land in `main` of the build database. -#}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
