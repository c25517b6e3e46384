-- Every dollar counts once: GitHub's /usage report carries Copilot premium-request and
-- AI-credit lines per org and cost center; the by-model endpoints break the same dollars down
-- by model. Per day and cost center the two must agree, or the by-model table would tell a
-- different story from the bill.
{{ config(severity='warn') }}
with usage_lines as (
    select usage_date, cost_center_id, sum(net_amount) as net_amount
    from {{ ref('fct_usage_costs') }}
    where product = 'copilot' and sku in ('copilot_premium_request', 'copilot_ai_credits')
    group by usage_date, cost_center_id
),

by_model as (
    select usage_date, cost_center_id, sum(net_amount) as net_amount
    from {{ ref('fct_copilot_model_usage') }}
    group by usage_date, cost_center_id
)

select
    coalesce(usage_lines.usage_date, by_model.usage_date) as usage_date,
    coalesce(usage_lines.cost_center_id, by_model.cost_center_id) as cost_center_id,
    usage_lines.net_amount as usage_report_net_amount,
    by_model.net_amount as by_model_net_amount
from usage_lines
full outer join by_model
    on usage_lines.usage_date = by_model.usage_date
    and usage_lines.cost_center_id = by_model.cost_center_id
where abs(coalesce(usage_lines.net_amount, 0) - coalesce(by_model.net_amount, 0))
    > {{ var('reconciliation_tolerance') }}
