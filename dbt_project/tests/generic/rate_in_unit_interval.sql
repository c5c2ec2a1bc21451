{% test rate_in_unit_interval(model, column_name) %}
    {#- A rate lies in [0, 1]; null is allowed (no denominator). -#}
    select {{ column_name }}
    from {{ model }}
    where {{ column_name }} < 0 or {{ column_name }} > 1
{% endtest %}
