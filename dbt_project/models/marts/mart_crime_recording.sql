with

expected as (
    select * from {{ ref('int_returns_expected') }}
),

identifications as (
    select * from {{ ref('fct_victim_identifications') }}
),

forces as (
    select * from {{ ref('dim_force') }}
),

forces_by_month as (
    -- every force expected to send a victims return that month; a return sent under a code that is no force is
    -- quarantined, and shows in mart_return_status, not here
    select distinct
        expected.month,
        expected.submitter_code as force_code
    from expected
    inner join forces on expected.submitter_code = forces.force_code
    where expected.agency_code = 'POLICE'
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
