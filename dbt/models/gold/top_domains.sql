-- Online offers per ROME grand domaine (unknown → "Non précisé").
with counted as (
    select coalesce(domain, 'Non précisé') as domain, count(*) as offer_count
    from {{ ref('fct_offers') }}
    group by coalesce(domain, 'Non précisé')
)

select
    row_number() over (order by offer_count desc, domain) as domain_rank,
    domain,
    offer_count,
    {{ share('offer_count', 'sum(offer_count) over ()') }} as share
from counted
