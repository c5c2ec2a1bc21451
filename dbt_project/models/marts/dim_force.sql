with

forces as (
    select * from {{ ref('forces') }}
),

cps_areas as (
    select * from {{ ref('cps_areas') }}
),

final as (
    select
        cast(forces.force_code as varchar) as force_code,
        cast(forces.force_name as varchar) as force_name,
        cast(forces.region as varchar) as region,
        cast(forces.nation as varchar) as nation,
        cast(forces.cps_area as integer) as cps_area,
        cast(cps_areas.cps_area_name as varchar) as cps_area_name,
        cast(forces.kind as varchar) as kind,
        cast(nullif(forces.rocu_code, '') as varchar) as rocu_code
    from forces
    left join cps_areas
        on cast(forces.cps_area as integer) = cast(cps_areas.cps_area as integer)
)

select
    force_code,
    force_name,
    region,
    nation,
    cps_area,
    cps_area_name,
    kind,
    rocu_code
from final
