-- The analyst and dashboard queries timed by bi_query_p95_ms, on the published marts.duckdb. Distinct persons and
-- operations' outcomes are read from the summary marts built for them; their ad hoc forms over the fact tables are
-- in queries_ad_hoc.sql, timed beside these and reported apart.
-- Each query starts with a "-- name:" line and ends with a semicolon.

-- name: monthly_summary_latest_year
select month, agency_code, victims_identified, nrm_referrals, dtn_submissions, arrests, charges, convictions
from mart_monthly_summary
where month > (select max(month) from mart_monthly_summary) - interval 12 month
order by month, agency_code;

-- name: victims_by_financial_year_and_agency
select financial_year, agency_code, identifications, persons
from mart_persons_identified where agency_code <> 'ALL'
order by 1, 2;

-- name: crime_recording_compliance_by_force
select f.force_name, f.region, sum(c.nrm_referrals) as referrals, sum(c.with_crime_recorded) as recorded,
    sum(c.with_crime_recorded) / nullif(sum(c.nrm_referrals), 0) as compliance_rate
from mart_crime_recording c join dim_force f using (force_code)
group by all order by compliance_rate nulls last;

-- name: exploitation_pathway_trend
select year, exploitation_type, persons_identified, persons_nrm_referred, persons_in_prosecuted_operation,
    persons_in_convicted_operation
from mart_victim_pathway order by year, exploitation_type;

-- name: top_nationalities_last_year
select n.nationality_name, p.victims, p.suspects
from mart_nationality_profile p join dim_nationality n using (nationality_code)
where p.year = (select max(year) from mart_nationality_profile)
order by p.victims desc limit 20;

-- name: child_victims_by_region_and_type
select f.region, v.exploitation_type, count(*) as children
from fct_victim_identifications v join dim_force f using (force_code)
where v.age_group = 'CHILD'
group by all order by children desc;

-- name: repeat_victims_across_agencies
select agencies_count, identifications_count, count(*) as persons
from fct_victims where identifications_count > 1
group by all order by persons desc;

-- name: live_operations_by_force_latest_month
select o.force_code, f.force_name, count(*) as live_operations
from fct_operation_months o join dim_force f using (force_code)
where o.month = (select max(month) from fct_operation_months) and o.status in ('LIVE', 'SUSPENDED')
group by all order by live_operations desc;

-- name: operation_outcomes_conversion
select primary_exploitation, sum(operations) as operations, sum(arrests) as arrests, sum(charges) as charges,
    sum(prosecution_cases) as cases, sum(convictions) as convictions
from mart_operation_outcomes
group by all order by operations desc;

-- name: cps_conviction_rate_by_area
select year, cps_area, sum(defendants) filter (where outcome like 'CONVICTED%') / sum(defendants) as conviction_rate
from mart_cps_outcomes group by all order by year, cps_area;

-- name: sentencing_and_confiscation
select year(month) as year, principal_offence, avg(custodial_sentence_months) as mean_sentence_months,
    sum(confiscation_order_gbp) as confiscated_gbp, count(*) filter (where stpo_made) as stpos
from fct_prosecutions group by all order by year, principal_offence;

-- name: return_status_dashboard
select month, source, status, count(*) as returns, sum(rows_accepted) as rows
from mart_return_status
where month > (select max(month) from mart_return_status) - interval 12 month
group by all order by month, source, status;

-- name: nrm_referrals_quarterly_by_nation
select m.year, m.quarter, f.nation, count(*) filter (where v.nrm_referred) as referrals,
    count(*) filter (where v.dtn_submitted) as dtns
from fct_victim_identifications v join dim_month m using (month) join dim_force f using (force_code)
group by all order by 1, 2, 3;

-- name: person_first_identification_cohorts
select year(first_identified_month) as cohort, first_agency_code, age_group, count(*) as persons,
    avg(identifications_count) as mean_identifications, count(*) filter (where ever_nrm_referred) as referred
from fct_victims group by all order by 1, 2, 3;
