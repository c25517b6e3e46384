-- Every dollar of each account, "no cost center" included as its own row.
with costs as (
    select
        billing_account_id,
        usage_date,
        cost_center_id,
        {{ money('sum(gross_amount)') }} as gross_amount,
        {{ money('sum(discount_amount)') }} as discount_amount,
        {{ money('sum(net_amount)') }} as net_amount
    from {{ ref('fct_usage_costs') }}
    group by billing_account_id, usage_date, cost_center_id
)

select
    {{ surrogate_key(['costs.billing_account_id', 'costs.usage_date', 'costs.cost_center_id']) }}
        as daily_cost_center_cost_id,
    costs.billing_account_id,
    costs.usage_date,
    costs.cost_center_id,
    cost_centers.cost_center_name,
    cost_centers.cost_center_state,
    costs.gross_amount,
    costs.discount_amount,
    costs.net_amount
from costs
left join {{ ref('dim_cost_centers') }} as cost_centers
    using (billing_account_id, cost_center_id)
