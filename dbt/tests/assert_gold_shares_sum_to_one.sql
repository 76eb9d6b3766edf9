-- Each breakdown of the online offers covers all of them exactly once: counts add up to fct_offers and
-- shares to 1 (within rounding). Returns the breakdowns that do not.
with total as (
    select count(*) as offer_count from {{ ref('fct_offers') }}
),

breakdowns as (
    select 'offers_by_contract' as breakdown, sum(offer_count) as offer_count, sum(share) as share
    from {{ ref('offers_by_contract') }}
    union all
    select 'offers_by_seniority', sum(offer_count), sum(share) from {{ ref('offers_by_seniority') }}
    union all
    select 'top_domains', sum(offer_count), sum(share) from {{ ref('top_domains') }}
)

select breakdowns.*
from breakdowns
cross join total
where total.offer_count > 0
  and (breakdowns.offer_count <> total.offer_count or abs(breakdowns.share - 1) > 0.01)
