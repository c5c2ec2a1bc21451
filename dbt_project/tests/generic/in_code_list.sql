{% test in_code_list(model, column_name, code_list) %}
    {#-
        Every value of the column is a code of the list `code_list` of the seed code_lists (written from
        msdw.sources.codes by `make generate`); null is allowed. msdw.quality.marts' suites read these tests.
    -#}
    select {{ column_name }}
    from {{ model }}
    where {{ column_name }} is not null
        and {{ column_name }} not in (
            select code_lists.code
            from {{ ref('code_lists') }} as code_lists
            where code_lists.code_list = '{{ code_list }}'
        )
{% endtest %}
