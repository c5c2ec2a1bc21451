{% test unique_combination(model, columns) %}
    {#- The columns together identify a row: no combination of their values appears twice. -#}
    select
        {{ columns | join(', ') }},
        count(*) as occurrences
    from {{ model }}
    group by {{ columns | join(', ') }}
    having count(*) > 1
{% endtest %}
