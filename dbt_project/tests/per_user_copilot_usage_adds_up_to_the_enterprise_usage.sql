-- Per-user usage (report exports) and the enterprise's by-model usage (JSON endpoints) are two
-- views of the same dollars: per day and cost center they agree, on every day the per-user
-- source covers.
with per_user as (
    select usage_date, cost_center_id, sum(net_amount) as net_amount
    from {{ ref('fct_copilot_user_usage') }}
    group by usage_date, cost_center_id
),

enterprise as (
    select usage_date, cost_center_id, sum(net_amount) as net_amount
    from {{ ref('fct_copilot_model_usage') }}
    where usage_date in (select usage_date from per_user)
    group by usage_date, cost_center_id
)

select
    coalesce(per_user.usage_date, enterprise.usage_date) as usage_date,
    coalesce(per_user.cost_center_id, enterprise.cost_center_id) as cost_center_id,
    per_user.net_amount as per_user_net_amount,
    enterprise.net_amount as enterprise_net_amount
from per_user
full outer join enterprise
    on per_user.usage_date = enterprise.usage_date
    and per_user.cost_center_id = enterprise.cost_center_id
where abs(coalesce(per_user.net_amount, 0) - coalesce(enterprise.net_amount, 0))
    > {{ var('reconciliation_tolerance') }}
