with months as (
    select * from {{ ref('int_budget_months_snapshotted') }}
),

latest as (
    select
        *,
        row_number() over (partition by billing_account_id, budget_id order by snapshot_date desc) as recency,
        min(month_start_date) over (
            partition by billing_account_id, budget_id
        ) as first_seen_month_start_date
    from months
)

select
    billing_account_id,
    budget_id,
    budget_type,
    budget_scope,
    budget_entity_name,
    budget_user_login,
    budget_cost_center_id,
    budget_product_sku,
    budget_amount,
    is_usage_stopped_at_limit,
    is_github_alerting,
    first_seen_month_start_date,
    snapshot_date as last_seen_date
from latest
where recency = 1
