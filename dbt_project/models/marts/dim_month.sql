with

expected as (
    select * from {{ ref('int_returns_expected') }}
),

months as (
    select distinct month from expected
),

final as (
    select
        month,
        cast(year(month) as integer) as year,
        cast(quarter(month) as integer) as quarter,
        case
            when month(month) >= 4
                then cast(year(month) as varchar) || '/' || lpad(cast((year(month) + 1) % 100 as varchar), 2, '0')
            else cast(year(month) - 1 as varchar) || '/' || lpad(cast(year(month) % 100 as varchar), 2, '0')
        end as financial_year
    from months
)

select
    month,
    year,
    quarter,
    financial_year
from final
