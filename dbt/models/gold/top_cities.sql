-- The cities with the most online offers (var top_n): a city is its name within its département.
with counted as (
    select
        city,
        departement_code,
        max(departement_name) as departement_name,
        max(region) as region,
        count(*) as offer_count
    from {{ ref('fct_offers') }}
    where city is not null
    group by city, departement_code
),

ranked as (
    select
        row_number() over (order by offer_count desc, city, departement_code) as city_rank,
        city,
        departement_code,
        departement_name,
        region,
        offer_count,
        {{ share('offer_count', '(select count(*) from ' ~ ref('fct_offers') ~ ')') }} as share
    from counted
)

select * from ranked
where city_rank <= {{ var('top_n') }}
