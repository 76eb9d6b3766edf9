-- The trend: online offers per publication day, per source, with a trailing 7-day average and a running
-- total. Days without any publication are absent (the 7-day average still counts them as zero).
with daily as (
    select
        published_date,
        count(*) as offer_count,
        sum(case when source = 'france_travail' then 1 else 0 end) as france_travail_count,
        sum(case when source = 'adzuna' then 1 else 0 end) as adzuna_count
    from {{ ref('fct_offers') }}
    where published_date is not null
    group by published_date
),

week as (
    select
        d.published_date,
        sum(w.offer_count) as offers_last_7_days
    from daily as d
    inner join daily as w
        on w.published_date <= d.published_date
        and w.published_date > {{ dbt.dateadd('day', -7, 'd.published_date') }}
    group by d.published_date
)

select
    daily.published_date,
    daily.offer_count,
    daily.france_travail_count,
    daily.adzuna_count,
    round(cast(week.offers_last_7_days as double) / 7, 2) as offers_7d_avg,
    sum(daily.offer_count) over (order by daily.published_date rows between unbounded preceding and current row)
        as cumulative_offers
from daily
inner join week on week.published_date = daily.published_date
