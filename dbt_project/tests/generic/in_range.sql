{% test in_range(model, column_name, min_value, max_value) %}
    {#- The column lies between `min_value` and `max_value`, both included; null is allowed. -#}
    select {{ column_name }}
    from {{ model }}
    where {{ column_name }} < {{ min_value }} or {{ column_name }} > {{ max_value }}
{% endtest %}
