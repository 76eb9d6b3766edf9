-- Online offers per seniority level, with the salary they offer (annual EUR, when published).
with offers as (
    select coalesce(seniority, 'Non précisé') as seniority, salary_mid
    from {{ ref('fct_offers') }}
),

counted as (
    select
        seniority,
        count(*) as offer_count,
        count(salary_mid) as offers_with_salary,
        round(avg(salary_mid), 0) as avg_salary_mid
    from offers
    group by seniority
)

select
    seniority,
    offer_count,
    {{ share('offer_count', 'sum(offer_count) over ()') }} as share,
    offers_with_salary,
    avg_salary_mid
from counted
