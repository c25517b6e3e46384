-- Everything worth paging someone about, in one table for `github-billing alerts` and BI:
-- budget thresholds crossed or forecast to be, cost anomalies and new costs, Copilot users
-- over (or on course to exceed) their AI-credit budget, AI-credit pools running out before
-- the month ends and the seat holders draining them. Budget, user and pool alerts are open
-- during their month; anomalies and new costs for var('alert_open_days') days.
with budget_status as (
    select * from {{ ref('fct_budget_status') }}
),

anomalies as (
    select * from {{ ref('fct_cost_anomalies') }}
),

user_budgets as (
    select * from {{ ref('fct_copilot_user_budgets') }}
),

pools as (
    select * from {{ ref('fct_ai_credit_pools') }}
),

-- each account's newest loaded day: its alerts are open as of it
bounds as (
    select billing_account_id, max(usage_date) as last_day
    from {{ ref('fct_usage_costs') }}
    group by billing_account_id
),

alerts as (
    select
        budget_month_id as source_id,
        billing_account_id,
        'fct_budget_status' as source_model,
        'budget_threshold' as alert_kind,
        coalesce(crossed_100_percent_on, crossed_90_percent_on, crossed_75_percent_on) as alert_date,
        month_start_date,
        budget_scope as subject_type,
        budget_entity_name as subject_name,
        budget_product_sku as product_sku,
        consumed_amount as amount,
        budget_amount as reference_amount,
        case
            when crossed_100_percent_on is not null then 100
            when crossed_90_percent_on is not null then 90
            else 75
        end as threshold_percent,
        is_usage_stopped_at_limit as is_usage_stopped,
        cast(null as date) as detail_date,
        false as is_provisional
    from budget_status
    where crossed_75_percent_on is not null
    union all
    select
        budget_month_id, billing_account_id, 'fct_budget_status', 'budget_forecast', as_of_date, month_start_date,
        budget_scope, budget_entity_name, budget_product_sku, projected_month_end_amount,
        budget_amount, 100, is_usage_stopped_at_limit, cast(null as date), false
    from budget_status
    where is_forecast_to_exceed and not is_month_complete
    union all
    select
        anomaly_id, billing_account_id, 'fct_cost_anomalies', anomaly_kind, usage_date, {{ month_start('usage_date') }},
        series_type, series_label, case when series_type = 'sku' then series_name else '' end,
        case when anomaly_kind = 'new_cost' then gross_amount else impact_amount end,
        expected_gross_amount, cast(null as integer), false, cast(null as date), is_provisional
    from anomalies
    union all
    select
        user_budget_month_id, user_budgets.billing_account_id, 'fct_copilot_user_budgets',
        case when is_over_budget then 'user_budget' else 'user_budget_forecast' end,
        bounds.last_day, month_start_date, 'seat_holder', seat_holder_login, 'copilot_ai_credits',
        case when is_over_budget then ai_credit_net_amount else projected_month_net_amount end,
        effective_budget_amount, 100, false, cast(null as date), false
    from user_budgets
    inner join bounds on bounds.billing_account_id = user_budgets.billing_account_id
    where (is_over_budget or is_forecast_over_budget)
        and month_start_date = {{ month_start('bounds.last_day') }}
    union all
    select
        ai_credit_pool_month_id, billing_account_id, 'fct_ai_credit_pools', 'ai_credit_pool',
        as_of_date,
        month_start_date, 'cost_center', cost_center_name, 'copilot_ai_credits',
        pool_spend_amount, pool_target_amount, 100, false, projected_exhausted_on, false
    from pools
    where is_exhausted_before_month_end
    union all
    select
        user_budgets.user_budget_month_id, user_budgets.billing_account_id,
        'fct_copilot_user_budgets', 'ai_credit_pool_user',
        bounds.last_day, user_budgets.month_start_date, 'seat_holder',
        user_budgets.seat_holder_login, 'copilot_ai_credits',
        user_budgets.projected_month_gross_amount, user_budgets.pool_share_amount, 100, false,
        pools.projected_exhausted_on, false
    from user_budgets
    inner join bounds on bounds.billing_account_id = user_budgets.billing_account_id
    inner join pools
        on pools.billing_account_id = user_budgets.billing_account_id
        and pools.cost_center_id = user_budgets.cost_center_id
        and pools.month_start_date = user_budgets.month_start_date
    where user_budgets.would_exhaust_pool
        and user_budgets.month_start_date = {{ month_start('bounds.last_day') }}
)

select
    {{ surrogate_key(['alerts.billing_account_id', 'alerts.alert_kind', 'alerts.source_id']) }}
        as alert_id,
    alerts.billing_account_id,
    alerts.alert_kind,
    alerts.alert_date,
    alerts.month_start_date,
    alerts.subject_type,
    alerts.subject_name,
    alerts.product_sku,
    {{ money('alerts.amount') }} as amount,
    {{ money('alerts.reference_amount') }} as reference_amount,
    alerts.threshold_percent,
    alerts.is_usage_stopped,
    alerts.detail_date,
    alerts.is_provisional,
    case
        when alerts.alert_kind in ('spike', 'new_cost')
            then alerts.alert_date > {{ day_offset('bounds.last_day', -var('alert_open_days')) }}
        else alerts.month_start_date = {{ month_start('bounds.last_day') }}
    end as is_open,
    alerts.source_model,
    alerts.source_id
from alerts
inner join bounds on bounds.billing_account_id = alerts.billing_account_id
