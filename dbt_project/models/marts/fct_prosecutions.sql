with

defendants as (
    select * from {{ ref('int_cps_defendants_latest') }}
),

final as (
    select
        case_urn,
        defendant_ref,
        month,
        cps_area,
        force_code,
        operation_id,
        principal_offence,
        charged_date,
        finalised_date,
        outcome,
        coalesce(starts_with(outcome, 'CONVICTED_'), false) as convicted,
        custodial_sentence_months,
        victims_in_case,
        stpo_made,
        cast(confiscation_order_gbp as decimal(18, 2)) as confiscation_order_gbp
    from defendants
)

select
    case_urn,
    defendant_ref,
    month,
    cps_area,
    force_code,
    operation_id,
    principal_offence,
    charged_date,
    finalised_date,
    outcome,
    convicted,
    custodial_sentence_months,
    victims_in_case,
    stpo_made,
    confiscation_order_gbp
from final
