-- Ad hoc forms of two queries of queries.sql, over the fact tables rather than the summary marts: timed beside them
-- by bi_query_p95_ms and reported in its detail (ad_hoc_p95_ms), not in the figure. Exact distinct counts over
-- millions of identification records cost about half a second on two cores.

-- name: victims_by_financial_year_and_agency
select m.financial_year, v.agency_code, count(*) as identifications, count(distinct v.person_id) as persons
from fct_victim_identifications v join dim_month m using (month)
group by all order by 1, 2;

-- name: operation_outcomes_conversion
select o.primary_exploitation, count(distinct o.operation_id) as operations, sum(o.arrests) as arrests,
    sum(o.charges) as charges, count(distinct p.case_urn) as cases, count(*) filter (where p.convicted) as convictions
from fct_operations o left join fct_prosecutions p using (operation_id)
group by all order by operations desc;
