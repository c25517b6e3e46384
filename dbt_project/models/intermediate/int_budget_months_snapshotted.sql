-- Each budget in each month it was seen, as GitHub last described it that month (a budget's
-- amount or scope can change; each month is judged by the last word of that month), with the
-- number of users its latest user-state snapshot of the month covers.
with budgets as (
    select * from {{ ref('stg_github_billing__budgets') }}
),

user_states as (
    select * from {{ ref('stg_github_billing__budget_user_states') }}
),

cost_centers as (
    select * from {{ ref('dim_cost_centers') }}
),

ranked as (
    select
        budgets.*,
        {{ month_start('budgets.snapshot_date') }} as month_start_date,
        row_number() over (
            partition by
                budgets.billing_account_id, budgets.budget_id,
                {{ month_start('budgets.snapshot_date') }}
            order by budgets.snapshot_date desc
        ) as recency
    from budgets
),

covered as (
    select billing_account_id, budget_id, snapshot_date, count(*) as covered_user_count,
        sum(github_consumed_amount) as github_consumed_amount
    from user_states
    group by billing_account_id, budget_id, snapshot_date
)

select
    {{ surrogate_key(['ranked.billing_account_id', 'ranked.budget_id', 'ranked.month_start_date']) }}
        as budget_month_id,
    ranked.billing_account_id,
    ranked.budget_id,
    ranked.month_start_date,
    ranked.snapshot_date,
    ranked.budget_type,
    ranked.budget_scope,
    ranked.budget_entity_name,
    ranked.budget_user_login,
    ranked.budget_product_sku,
    ranked.budget_amount,
    ranked.is_usage_stopped_at_limit,
    ranked.is_github_alerting,
    -- a cost center is named by GitHub's name or id: both are matched
    coalesce(cost_centers.cost_center_id, ranked.budget_entity_name) as budget_cost_center_id,
    covered.covered_user_count,
    coalesce(ranked.github_consumed_amount, covered.github_consumed_amount) as github_consumed_amount
from ranked
left join cost_centers
    on cost_centers.billing_account_id = ranked.billing_account_id
    and ranked.budget_scope in ('cost_center', 'multi_user_cost_center')
    and (
        cost_centers.cost_center_name = ranked.budget_entity_name
        or cost_centers.cost_center_id = ranked.budget_entity_name
    )
left join covered
    on covered.billing_account_id = ranked.billing_account_id
    and covered.budget_id = ranked.budget_id
    and covered.snapshot_date = ranked.snapshot_date
where ranked.recency = 1
