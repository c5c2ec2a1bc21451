{#-
    The return-status rule, written once. dbt's int_returns_expected and mart_return_status call these macros, and
    Python (msdw.status: `msdw status`, the run summary, monitor_returns) renders the same macros over the ledger.
-#}

{% macro return_due_at(month, due_day) -%}
    {#- The first moment a return is late: the day after its source's due day in the month after its month. -#}
    cast({{ month }} + interval 1 month + to_days({{ due_day }}) as timestamp)
{%- endmacro %}


{% macro return_status(accepted, versions_received, first_received_at, due_at) -%}
    {#- ACCEPTED, LATE when first received after it was due, QUARANTINED when no version was accepted, else MISSING. -#}
    case
        when {{ accepted }} and {{ first_received_at }} >= {{ due_at }} then 'LATE'
        when {{ accepted }} then 'ACCEPTED'
        when {{ versions_received }} > 0 then 'QUARANTINED'
        else 'MISSING'
    end
{%- endmacro %}


{% macro expected_returns(returns, kinds) %}
    {#-
        Every return expected: each kind of return (`kinds`: source, agency_code, part, fixed_submitter, due_day) for
        every month from the first to the last month of any return received (`returns`: source, submitter_code,
        month); a fixed submitter every month, a submitter named in the paths (a police force) once it has sent any
        return of its source.
    -#}
    with

    months as (
        select cast(unnest(generate_series(min(month), max(month), interval 1 month)) as date) as month
        from {{ returns }}
    ),

    submitters as (
        select distinct
            kinds.source,
            kinds.agency_code,
            kinds.part,
            kinds.due_day,
            coalesce(kinds.fixed_submitter, received.submitter_code) as submitter_code
        from {{ kinds }} as kinds
        left join {{ returns }} as received
            on kinds.source = received.source and kinds.fixed_submitter is null
        where kinds.fixed_submitter is not null or received.submitter_code is not null
    )

    select
        months.month,
        submitters.source,
        submitters.agency_code,
        submitters.submitter_code,
        submitters.part,
        {{ return_due_at('months.month', 'submitters.due_day') }} as due_at
    from months
    cross join submitters
{% endmacro %}
