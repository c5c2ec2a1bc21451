{% test described_source(model, column_name, field='source') %}
    {#-
        Every value of the column is a `field` (source, part or agency_code) of a kind of return that the
        descriptions of msdw.sources name (macro return_kinds), so that no list of sources or agencies is copied
        here. It reads no seed, so it runs with the tests of the marts.
    -#}
    with

    kinds as (
        {{ return_kinds() }}
    )

    select {{ column_name }}
    from {{ model }}
    where {{ column_name }} not in (select kinds.{{ field }} from kinds)
{% endtest %}
