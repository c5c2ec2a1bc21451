{% test not_negative(model, column_name) %}
    {#- A count or an amount is never below 0; null is allowed where the column allows it. -#}
    select {{ column_name }}
    from {{ model }}
    where {{ column_name }} < 0
{% endtest %}
