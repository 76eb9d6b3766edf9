-- The hard skills offers ask for (the enrichment's lexicon names), with how many offers cite each.
select
    skill_id,
    min(skill_name) as skill_name,
    count(*) as offer_count
from {{ ref('offer_skills') }}
group by skill_id
