-- One row per employer (case/space-insensitive name) seen in the canonical offers.
with offers as (
    select * from {{ ref('offers') }}
    where company_id is not null
),

grouped as (
    select
        company_id,
        min(company_name) as company_name,
        count(*) as offer_count,
        sum(case when is_removed then 0 else 1 end) as active_offer_count,
        min(published_at) as first_published_at,
        max(published_at) as last_published_at
    from offers
    group by company_id
)

select * from grouped
