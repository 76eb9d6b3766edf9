-- Online offers per contract type (the enrichment's one vocabulary; unknown → "Non précisé").
with offers as (
    select coalesce(contract_type, 'Non précisé') as contract_type
    from {{ ref('fct_offers') }}
),

counted as (
    select contract_type, count(*) as offer_count
    from offers
    group by contract_type
)

select
    contract_type,
    offer_count,
    {{ share('offer_count', 'sum(offer_count) over ()') }} as share
from counted
