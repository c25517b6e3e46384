-- Seats paid for and unused as of each account's newest seat snapshot: the holder's billed grant on
-- the last seat day, with what it costs per month (the latest billed price of its SKU, else
-- the list price).
with last_day as (
    select billing_account_id, max(usage_date) as usage_date
    from {{ ref('fct_copilot_seat_days') }}
    where not is_unassigned
    group by billing_account_id
),

licence_lines as (
    select
        billing_account_id,
        sku,
        usage_date,
        price_per_unit,
        max(usage_date) over (partition by billing_account_id, sku) as last_billed_date
    from {{ ref('fct_usage_costs') }}
    where is_seat_licence
),

latest_prices as (
    select billing_account_id, sku, max(price_per_unit) as price_per_user_month
    from licence_lines
    where usage_date = last_billed_date
    group by billing_account_id, sku
),

idle as (
    select seat_days.*
    from {{ ref('fct_copilot_seat_days') }} as seat_days
    inner join last_day using (billing_account_id, usage_date)
    where seat_days.is_billed_grant and not seat_days.is_unassigned and seat_days.is_idle
)

select
    idle.billing_account_id,
    idle.seat_key,
    idle.seat_holder_login,
    idle.organization_name,
    idle.assigning_team_slug,
    idle.cost_center_id,
    cost_centers.cost_center_name,
    idle.plan_type,
    idle.sku,
    idle.granted_on,
    idle.last_activity_at,
    idle.last_activity_editor,
    idle.days_since_activity as days_idle,
    idle.usage_date as as_of_date,
    {{ money('coalesce(latest_prices.price_per_user_month, plan_skus.list_price_per_month)') }}
        as monthly_cost
from idle
left join latest_prices using (billing_account_id, sku)
left join {{ ref('github_skus') }} as plan_skus
    on plan_skus.plan_type = idle.plan_type and plan_skus.is_seat_licence
left join {{ ref('dim_cost_centers') }} as cost_centers
    using (billing_account_id, cost_center_id)
