-- The ROME occupations offers are classified under (given by France Travail, inferred for Adzuna).
with offers as (
    select * from {{ ref('offers') }}
    where rome_code is not null
),

codes as (
    select
        rome_code,
        min(rome_label) as rome_label,
        min(domain) as domain,
        count(*) as offer_count,
        round(avg(rome_confidence), 4) as avg_confidence
    from offers
    group by rome_code
),

domains as (
    select * from {{ ref('rome_grands_domaines') }}
)

select
    codes.rome_code,
    codes.rome_label,
    substr(codes.rome_code, 1, 1) as grand_domaine_code,
    coalesce(codes.domain, domains.grand_domaine) as domain,
    codes.offer_count,
    codes.avg_confidence
from codes
left join domains on domains.grand_domaine_code = substr(codes.rome_code, 1, 1)
