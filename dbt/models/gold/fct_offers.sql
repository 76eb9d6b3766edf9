-- One row per offer still online: the fact table every gold aggregate (and the dashboard) reads.
with offers as (
    select * from {{ ref('offers') }}
    where not is_removed
),

skill_counts as (
    select offer_id, count(*) as skill_count
    from {{ ref('offer_skills') }}
    group by offer_id
),

soft_skill_counts as (
    select offer_id, count(*) as soft_skill_count
    from {{ ref('offer_soft_skills') }}
    group by offer_id
)

select
    offers.offer_id,
    offers.source,
    offers.title,
    offers.company_id,
    companies.company_name,
    offers.location_id,
    offers.city,
    offers.departement_code,
    offers.departement_name,
    offers.region,
    offers.contract_type,
    offers.working_time,
    offers.seniority,
    offers.rome_code,
    offers.rome_label,
    offers.domain,
    offers.remote,
    offers.salary_min,
    offers.salary_max,
    offers.salary_mid,
    coalesce(skill_counts.skill_count, 0) as skill_count,
    coalesce(soft_skill_counts.soft_skill_count, 0) as soft_skill_count,
    offers.published_at,
    offers.published_date,
    offers.url
from offers
left join {{ ref('companies') }} as companies on companies.company_id = offers.company_id
left join skill_counts on skill_counts.offer_id = offers.offer_id
left join soft_skill_counts on soft_skill_counts.offer_id = offers.offer_id
