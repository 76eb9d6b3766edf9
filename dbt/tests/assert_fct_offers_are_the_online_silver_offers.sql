-- gold.fct_offers holds exactly the silver offers that are not removed. Returns the offers breaking that.
with online as (
    select offer_id from {{ ref('offers') }} where not is_removed
),

fact as (
    select offer_id from {{ ref('fct_offers') }}
)

select coalesce(online.offer_id, fact.offer_id) as offer_id
from online
full outer join fact on fact.offer_id = online.offer_id
where online.offer_id is null or fact.offer_id is null
