{% test described_source(model, column_name, field='source', victims=false, also=[]) %}
    {#-
        Every value of the column is a `field` (source, part or agency_code) of a kind of return that the
        descriptions of msdw.sources name (macro return_kinds), so that no list of sources or agencies is copied
        here; with `victims`, only of the sources whose returns identify victims; `also` names other values allowed
        (a row for all agencies together, say). msdw.quality.marts' suites read these tests.
    -#}
    with

    kinds as (
        {{ return_kinds() }}
    )

    select {{ column_name }}
    from {{ model }}
    where {{ column_name }} not in (
            select kinds.{{ field }}
            from kinds
            {%- if victims %}
            where kinds.source in ({{ "'" ~ victim_sources() | join("', '") ~ "'" }})
            {%- endif %}
        )
        {%- for value in also %}
        and {{ column_name }} <> '{{ value }}'
        {%- endfor %}
{% endtest %}
