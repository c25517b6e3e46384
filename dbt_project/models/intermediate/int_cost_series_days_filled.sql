-- Every daily cost series anomalies are scored on, one row per day from the series' first day
-- to the newest loaded day, days without usage filled with zeros (window functions count rows,
-- so a missing day would stretch the window and hide a quiet weekend).
with usage_costs as (
    select * from {{ ref('fct_usage_costs') }}
),

model_usage as (
    select * from {{ ref('fct_copilot_model_usage') }}
),

user_usage as (
    select * from {{ ref('fct_copilot_user_usage') }}
),

dates as (
    select * from {{ ref('dim_dates') }}
),

observations as (
    select billing_account_id, 'product' as series_type, product as series_name, usage_date, gross_amount, quantity
    from usage_costs
    union all
    select billing_account_id, 'sku', sku, usage_date, gross_amount, quantity
    from usage_costs
    union all
    select billing_account_id, 'cost_center', cost_center_id, usage_date, gross_amount, quantity
    from usage_costs
    union all
    select billing_account_id, 'organization', organization_name, usage_date, gross_amount, quantity
    from usage_costs
    where organization_name <> ''
    union all
    select billing_account_id, 'repository', repository_name, usage_date, gross_amount, quantity
    from usage_costs
    where repository_name <> ''
    union all
    select billing_account_id, 'model', model_name, usage_date, gross_amount, gross_quantity
    from model_usage
    union all
    select billing_account_id, 'seat_holder', seat_holder_login, usage_date, gross_amount, quantity
    from user_usage
),

daily as (
    select
        billing_account_id,
        series_type,
        series_name,
        usage_date,
        sum(gross_amount) as gross_amount,
        sum(quantity) as quantity
    from observations
    group by billing_account_id, series_type, series_name, usage_date
),

series as (
    select billing_account_id, series_type, series_name, min(usage_date) as first_usage_date
    from daily
    group by billing_account_id, series_type, series_name
),

bounds as (
    -- each account's newest loaded day
    select billing_account_id, max(usage_date) as last_usage_date
    from usage_costs
    group by billing_account_id
),

spine as (
    select
        series.billing_account_id,
        series.series_type,
        series.series_name,
        series.first_usage_date,
        dates.date_day as usage_date,
        dates.iso_day_of_week
    from series
    inner join bounds using (billing_account_id)
    inner join dates
        on dates.date_day >= series.first_usage_date
        and dates.date_day <= bounds.last_usage_date
)

select
    {{ surrogate_key(['spine.billing_account_id', 'spine.series_type', 'spine.series_name', 'spine.usage_date']) }}
        as series_day_id,
    spine.billing_account_id,
    spine.series_type,
    spine.series_name,
    spine.usage_date,
    spine.iso_day_of_week,
    spine.first_usage_date,
    {{ money('coalesce(daily.gross_amount, 0)') }} as gross_amount,
    {{ money('coalesce(daily.quantity, 0)') }} as quantity
from spine
left join daily
    on daily.billing_account_id = spine.billing_account_id
    and daily.series_type = spine.series_type
    and daily.series_name = spine.series_name
    and daily.usage_date = spine.usage_date
