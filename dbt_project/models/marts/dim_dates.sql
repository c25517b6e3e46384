-- Every day from the first loaded usage or seat day to the last.
with bounds as (
    select min(usage_date) as first_day, max(usage_date) as last_day
    from (
        select usage_date from {{ ref('stg_github_billing__usage_items') }}
        union all
        select usage_date from {{ ref('int_copilot_seat_days_expanded') }}
        union all
        select usage_date from {{ ref('int_copilot_model_usage_unioned') }}
    )
),

days as (
    select cast(unnest(generate_series(first_day, last_day, interval 1 day)) as date) as date_day
    from bounds
    where first_day is not null
)

select
    date_day,
    year(date_day) as year_number,
    month(date_day) as month_number,
    day(date_day) as day_of_month,
    cast(date_trunc('month', date_day) as date) as month_start_date,
    day(last_day(date_day)) as days_in_month,
    isodow(date_day) as iso_day_of_week,
    date_day = last_day(date_day) as is_month_end
from days
