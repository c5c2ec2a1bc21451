with

victims as (
    select * from {{ ref('fct_victims') }}
),

snapshots as (
    select * from {{ ref('int_operations_snapshotted') }}
),

latest_operations as (
    -- the opening date and suspects by nationality as each operation last reported them
    select
        operation_id,
        arg_max(opened_date, month) as opened_date,
        arg_max(suspect_nationalities, month) filter (where suspect_nationalities is not null) as suspect_nationalities
    from snapshots
    group by operation_id
),

suspect_counts as (
    select
        cast(year(latest_operations.opened_date) as integer) as year,
        coalesce(entry.nationality_code, 'UNK') as nationality_code,
        sum(entry.suspects) as suspects
    from latest_operations,
        unnest(latest_operations.suspect_nationalities) as entries (entry)
    where latest_operations.opened_date is not null
    group by 1, 2
),

victim_counts as (
    select
        cast(year(first_identified_month) as integer) as year,
        nationality_code,
        count(*) as victims
    from victims
    group by 1, 2
),

final as (
    select
        coalesce(victim_counts.year, suspect_counts.year) as year,
        coalesce(victim_counts.nationality_code, suspect_counts.nationality_code) as nationality_code,
        coalesce(victim_counts.victims, 0) as victims,
        coalesce(suspect_counts.suspects, 0) as suspects
    from victim_counts
    full outer join suspect_counts
        on victim_counts.year = suspect_counts.year and victim_counts.nationality_code = suspect_counts.nationality_code
)

select
    year,
    nationality_code,
    cast(victims as bigint) as victims,
    cast(suspects as bigint) as suspects
from final
