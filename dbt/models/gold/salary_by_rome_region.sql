-- Published salaries (annual EUR) per ROME occupation and région, online offers with a salary only.
with offers as (
    select rome_code, rome_label, region, salary_min, salary_max, salary_mid
    from {{ ref('fct_offers') }}
    where salary_mid is not null and rome_code is not null and region is not null
)

select
    rome_code,
    min(rome_label) as rome_label,
    region,
    count(*) as offers_with_salary,
    round(avg(salary_min), 0) as avg_salary_min,
    round(avg(salary_max), 0) as avg_salary_max,
    round(median(salary_mid), 0) as median_salary_mid,
    round(min(salary_mid), 0) as min_salary_mid,
    round(max(salary_mid), 0) as max_salary_mid
from offers
group by rome_code, region
