-- Each account's forecast month to date is exactly its month's billed dollars so far, to the
-- cent.
with forecasts as (
    select billing_account_id, as_of_date, month_start_date, month_to_date_net_amount
    from {{ ref('fct_cost_forecasts') }}
    where dimension_type = 'total'
),

usage_costs as (
    select billing_account_id, usage_date, net_amount from {{ ref('fct_usage_costs') }}
),

billed as (
    select
        forecasts.billing_account_id,
        forecasts.as_of_date,
        forecasts.month_to_date_net_amount,
        sum(usage_costs.net_amount) as net_amount
    from forecasts
    inner join usage_costs
        on usage_costs.billing_account_id = forecasts.billing_account_id
        and usage_costs.usage_date >= forecasts.month_start_date
        and usage_costs.usage_date <= forecasts.as_of_date
    group by forecasts.billing_account_id, forecasts.as_of_date, forecasts.month_to_date_net_amount
)

select *
from billed
where abs(month_to_date_net_amount - net_amount) > {{ var('reconciliation_tolerance') }}
