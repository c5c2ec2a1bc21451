{% test not_less_than(model, column_name, other) %}
    {#-
        The column is never less than `other` on the same row: `other` counts a subset of it. msdw.quality.marts'
        suites and msdw.open_data's implied differences (protected by disclosure control) read these tests.
    -#}
    select
        {{ column_name }},
        {{ other }}
    from {{ model }}
    where {{ column_name }} < {{ other }}
{% endtest %}
