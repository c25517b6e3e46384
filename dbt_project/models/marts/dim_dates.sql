-- Every day from the first loaded usage or seat day to the last.
with loaded_days as (
    select usage_date from {{ ref('stg_github_billing__usage_items') }}
    union all
    select usage_date from {{ ref('int_copilot_seat_days_expanded') }}
    union all
    select usage_date from {{ ref('int_copilot_model_usage_unioned') }}
),

days as (
    {{ day_spine('(select min(usage_date) from loaded_days)', '(select max(usage_date) from loaded_days)') }}
)

select
    date_day,
    cast(extract(year from date_day) as integer) as year_number,
    cast(extract(month from date_day) as integer) as month_number,
    cast(extract(day from date_day) as integer) as day_of_month,
    cast({{ dbt.date_trunc('month', 'date_day') }} as date) as month_start_date,
    cast({{ days_in_month('date_day') }} as integer) as days_in_month,
    cast(extract(isodow from date_day) as integer) as iso_day_of_week,
    date_day = {{ dbt.last_day('date_day', 'month') }} as is_month_end
from days
