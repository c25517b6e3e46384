-- GitHub's rule, computed from the loaded usage: a budget spends the month's net dollars of
-- the usage its scope and product (ProductPricing, BundlePricing) or SKU (SkuPricing) cover;
-- per-user budgets spend their users' Copilot usage. A multi-user budget's amount is per user,
-- so its month's amount here is that times the users its user states cover.
with budget_months as (
    select * from {{ ref('int_budget_months_snapshotted') }}
),

usage_costs as (
    select * from {{ ref('fct_usage_costs') }}
),

user_usage as (
    select * from {{ ref('fct_copilot_user_usage') }}
),

-- each loaded month once with its length (a history may start after the 1st)
dates as (
    select distinct month_start_date, days_in_month from {{ ref('dim_dates') }}
),

bounds as (
    select billing_account_id, max(usage_date) as last_day
    from usage_costs
    group by billing_account_id
),

scope_spend as (
    select budget_months.budget_month_id, usage_costs.usage_date, sum(usage_costs.net_amount) as net_amount
    from budget_months
    inner join usage_costs
        on usage_costs.billing_account_id = budget_months.billing_account_id
        and {{ month_start('usage_costs.usage_date') }} = budget_months.month_start_date
        and case budget_months.budget_scope
            when 'enterprise' then true
            when 'organization' then usage_costs.organization_name = budget_months.budget_entity_name
            when 'repository' then usage_costs.repository_name = budget_months.budget_entity_name
            when 'cost_center' then usage_costs.cost_center_id = budget_months.budget_cost_center_id
            else false
        end
        and case
            when budget_months.budget_type = 'SkuPricing' then usage_costs.sku = budget_months.budget_product_sku
                or (budget_months.budget_product_sku = 'copilot_ai_credits' and {{ is_copilot_ai_credit('usage_costs') }})
            else usage_costs.product = budget_months.budget_product_sku
        end
    group by budget_months.budget_month_id, usage_costs.usage_date
),

user_spend as (
    select budget_months.budget_month_id, user_usage.usage_date, sum(user_usage.net_amount) as net_amount
    from budget_months
    inner join user_usage
        on user_usage.billing_account_id = budget_months.billing_account_id
        and {{ month_start('user_usage.usage_date') }} = budget_months.month_start_date
        and case budget_months.budget_scope
            when 'multi_user_customer' then true
            when 'multi_user_cost_center' then user_usage.cost_center_id = budget_months.budget_cost_center_id
            when 'user' then user_usage.seat_holder_login = budget_months.budget_user_login
            else false
        end
        and case
            when budget_months.budget_type = 'SkuPricing' then user_usage.sku = budget_months.budget_product_sku
                or (budget_months.budget_product_sku = 'copilot_ai_credits' and {{ is_copilot_ai_credit('user_usage') }})
            else user_usage.product = budget_months.budget_product_sku
        end
    group by budget_months.budget_month_id, user_usage.usage_date
),

daily as (
    select * from scope_spend
    union all
    select * from user_spend
),

cumulative as (
    select
        budget_month_id,
        usage_date,
        sum(net_amount) over (
            partition by budget_month_id order by usage_date
            rows between unbounded preceding and current row
        ) as consumed_to_date
    from daily
),

amounts as (
    select
        budget_months.*,
        case
            when budget_months.budget_scope like 'multi_user%'
                then budget_months.budget_amount * coalesce(budget_months.covered_user_count, 0)
            else budget_months.budget_amount
        end as month_budget_amount,
        case
            when {{ day_offset('budget_months.month_start_date', 'dates.days_in_month - 1') }} < bounds.last_day
                then {{ day_offset('budget_months.month_start_date', 'dates.days_in_month - 1') }}
            else bounds.last_day
        end as as_of_date,
        dates.days_in_month
    from budget_months
    inner join bounds on bounds.billing_account_id = budget_months.billing_account_id
    inner join dates on dates.month_start_date = budget_months.month_start_date
),

crossings as (
    select
        amounts.budget_month_id,
        max(cumulative.consumed_to_date) as consumed_amount,
        min(case when cumulative.consumed_to_date * 100 >= amounts.month_budget_amount * 75 then cumulative.usage_date end) as crossed_75_percent_on,
        min(case when cumulative.consumed_to_date * 100 >= amounts.month_budget_amount * 90 then cumulative.usage_date end) as crossed_90_percent_on,
        min(case when cumulative.consumed_to_date >= amounts.month_budget_amount then cumulative.usage_date end) as crossed_100_percent_on
    from amounts
    inner join cumulative on cumulative.budget_month_id = amounts.budget_month_id
    group by amounts.budget_month_id
),

final as (
    select
        amounts.*,
        coalesce(crossings.consumed_amount, 0) as consumed_amount,
        crossings.crossed_75_percent_on,
        crossings.crossed_90_percent_on,
        crossings.crossed_100_percent_on,
        {{ dbt.datediff('amounts.month_start_date', 'amounts.as_of_date', 'day') }} + 1 as days_elapsed
    from amounts
    left join crossings on crossings.budget_month_id = amounts.budget_month_id
    where amounts.as_of_date >= amounts.month_start_date
)

select
    budget_month_id,
    billing_account_id,
    budget_id,
    month_start_date,
    as_of_date,
    as_of_date = {{ day_offset('month_start_date', 'days_in_month - 1') }} as is_month_complete,
    budget_type,
    budget_scope,
    budget_entity_name,
    budget_product_sku,
    covered_user_count,
    {{ money('month_budget_amount') }} as budget_amount,
    {{ money('consumed_amount') }} as consumed_amount,
    cast(case when month_budget_amount > 0 then 100 * consumed_amount / month_budget_amount end as decimal(18, 6))
        as consumed_percent,
    -- a straight line through the month so far: spend per elapsed day, times the month's days
    {{ money('consumed_amount * days_in_month / days_elapsed') }} as projected_month_end_amount,
    cast(
        case when month_budget_amount > 0 then 100 * consumed_amount * days_in_month / days_elapsed / month_budget_amount end
        as decimal(18, 6)
    ) as projected_percent,
    crossed_75_percent_on,
    crossed_90_percent_on,
    crossed_100_percent_on,
    coalesce(crossed_100_percent_on is null and consumed_amount * days_in_month / days_elapsed >= month_budget_amount and month_budget_amount > 0, false)
        as is_forecast_to_exceed,
    is_usage_stopped_at_limit,
    is_github_alerting,
    {{ money('github_consumed_amount') }} as github_consumed_amount
from final
