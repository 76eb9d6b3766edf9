-- One row per place offers are located at: a commune (INSEE code) or, when the enrichment found no
-- commune, a city name within its département.
with offers as (
    select * from {{ ref('offers') }}
    where location_id is not null
),

grouped as (
    select
        location_id,
        min(city) as city,
        min(insee_code) as insee_code,
        min(postal_code) as postal_code,
        min(departement_code) as departement_code,
        min(departement_name) as departement_name,
        min(region) as region,
        round(avg(latitude), 5) as latitude,
        round(avg(longitude), 5) as longitude,
        count(*) as offer_count
    from offers
    group by location_id
)

select * from grouped
