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


{% macro expected_returns(returns, kinds, known) %}
    {#-
        Every return expected: each kind of return (`kinds`: source, agency_code, part, fixed_submitter, due_day) for
        every month from the first to the last month of any return received (`returns`: source, submitter_code,
        month, part). A fixed submitter is expected every month. A submitter named in the paths (a police force) is
        expected every month, every part, once it has sent any return of its source, when it is one of the source's
        submitters (`known`: source, submitter_code, from the seed the description names) or the source names no
        such seed. A code that is none of its source's submitters (its returns are quarantined) is expected only in
        the months and parts it sent: it shows QUARANTINED there and is never MISSING.
    -#}
    with

    months as (
        select cast(unnest(generate_series(min(month), max(month), interval 1 month)) as date) as month
        from {{ returns }}
    ),

    received as (
        select distinct
            returns.source,
            returns.submitter_code,
            returns.month,
            returns.part,
            (
                not exists (select 1 from {{ known }} as listed where listed.source = returns.source)
                or exists (
                    select 1 from {{ known }} as listed
                    where listed.source = returns.source and listed.submitter_code = returns.submitter_code
                )
            ) as is_submitter
        from {{ returns }} as returns
    ),

    submitters as (
        select distinct
            kinds.source,
            kinds.agency_code,
            kinds.part,
            kinds.due_day,
            coalesce(kinds.fixed_submitter, received.submitter_code) as submitter_code
        from {{ kinds }} as kinds
        left join received
            on kinds.source = received.source and kinds.fixed_submitter is null and received.is_submitter
        where kinds.fixed_submitter is not null or received.submitter_code is not null
    ),

    every_month as (
        select
            months.month,
            submitters.source,
            submitters.agency_code,
            submitters.submitter_code,
            submitters.part,
            submitters.due_day
        from months
        cross join submitters
    ),

    where_sent as (
        select distinct
            received.month,
            kinds.source,
            kinds.agency_code,
            received.submitter_code,
            kinds.part,
            kinds.due_day
        from {{ kinds }} as kinds
        inner join received
            on kinds.source = received.source and kinds.part = received.part and kinds.fixed_submitter is null
        where not received.is_submitter
    ),

    expected as (
        select * from every_month
        union all
        select * from where_sent
    )

    select
        month,
        source,
        agency_code,
        submitter_code,
        part,
        {{ return_due_at('month', 'due_day') }} as due_at
    from expected
{% endmacro %}
