with

expected as (
    select * from {{ ref('int_returns_expected') }}
),

identifications as (
    select * from {{ ref('fct_victim_identifications') }}
),

forces_by_month as (
    -- every force expected to send a victims return that month
    select distinct
        month,
        submitter_code as force_code
    from expected
    where agency_code = 'POLICE'
),

referrals as (
    select
        month,
        force_code,
        count(*) filter (where nrm_referred) as nrm_referrals,
        count(*) filter (where nrm_referred and crime_recorded) as with_crime_recorded
    from identifications
    where agency_code = 'POLICE'
    group by month, force_code
),

final as (
    select
        forces_by_month.month,
        forces_by_month.force_code,
        cast(coalesce(referrals.nrm_referrals, 0) as bigint) as nrm_referrals,
        cast(coalesce(referrals.with_crime_recorded, 0) as bigint) as with_crime_recorded,
        {{ safe_rate('referrals.with_crime_recorded', 'referrals.nrm_referrals') }} as compliance_rate
    from forces_by_month
    left join referrals
        on forces_by_month.month = referrals.month and forces_by_month.force_code = referrals.force_code
)

select
    month,
    force_code,
    nrm_referrals,
    with_crime_recorded,
    compliance_rate
from final
