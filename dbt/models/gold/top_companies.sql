-- The employers with the most online offers (var top_n; ties broken by name, then id).
with counted as (
    select company_id, company_name, count(*) as offer_count
    from {{ ref('fct_offers') }}
    where company_id is not null
    group by company_id, company_name
),

ranked as (
    select
        row_number() over (order by offer_count desc, company_name, company_id) as company_rank,
        company_id,
        company_name,
        offer_count,
        {{ share('offer_count', '(select count(*) from ' ~ ref('fct_offers') ~ ')') }} as share
    from counted
)

select * from ranked
where company_rank <= {{ var('top_n') }}
