-- A seat holder's Copilot AI-credit spend of a month against the budget that holds them:
-- their own user budget first, then the multi-user budget of their cost center, then the
-- enterprise's multi-user budget (GitHub's override order, as the user states'
-- override_budget_id says). A holder "would exhaust the pool" when their cost center's pool
-- is projected to run out before the month ends and their own projected month of gross
-- AI-credit spend is above their share of it (the pool's target per seat).
with user_usage as (
    select * from {{ ref('fct_copilot_user_usage') }}
),

budget_months as (
    select * from {{ ref('int_budget_months_snapshotted') }}
),

user_states as (
    select * from {{ ref('stg_github_billing__budget_user_states') }}
),

pools as (
    select * from {{ ref('fct_ai_credit_pools') }}
),

-- each loaded month once with its length (a history may start after the 1st)
dates as (
    select distinct month_start_date, days_in_month from {{ ref('dim_dates') }}
),

bounds as (
    select billing_account_id, max(usage_date) as last_day
    from {{ ref('fct_usage_costs') }}
    group by billing_account_id
),

spend as (
    select
        billing_account_id,
        seat_holder_login,
        {{ month_start('usage_date') }} as month_start_date,
        max(cost_center_id) as cost_center_id,
        sum(gross_amount) as gross_amount,
        sum(net_amount) as net_amount
    from user_usage
    where {{ is_copilot_ai_credit('user_usage') }}
    group by billing_account_id, seat_holder_login, {{ month_start('usage_date') }}
),

candidates as (
    select
        budget_months.billing_account_id,
        budget_months.month_start_date,
        budget_months.budget_user_login as seat_holder_login,
        budget_months.budget_id,
        budget_months.budget_scope,
        budget_months.budget_amount,
        cast(null as decimal(38, 12)) as github_consumed_amount,
        1 as precedence
    from budget_months
    where budget_months.budget_scope = 'user'
    union all
    select
        budget_months.billing_account_id,
        budget_months.month_start_date,
        user_states.seat_holder_login,
        budget_months.budget_id,
        budget_months.budget_scope,
        budget_months.budget_amount,
        user_states.github_consumed_amount,
        case when budget_months.budget_scope = 'multi_user_cost_center' then 2 else 3 end
    from budget_months
    inner join user_states
        on user_states.billing_account_id = budget_months.billing_account_id
        and user_states.budget_id = budget_months.budget_id
        and user_states.snapshot_date = budget_months.snapshot_date
    where budget_months.budget_scope like 'multi_user%'
),

effective as (
    select
        *,
        row_number() over (
            partition by billing_account_id, seat_holder_login, month_start_date
            order by precedence
        ) as rank_in_order,
        max(github_consumed_amount) over (
            partition by billing_account_id, seat_holder_login, month_start_date
        )
            as github_user_consumed_amount
    from candidates
),

holders as (
    select billing_account_id, seat_holder_login, month_start_date from spend
    union
    select billing_account_id, seat_holder_login, month_start_date from effective
),

months as (
    select
        bounds.billing_account_id,
        dates.month_start_date,
        dates.days_in_month,
        case
            when {{ day_offset('dates.month_start_date', 'dates.days_in_month - 1') }} < bounds.last_day
                then {{ day_offset('dates.month_start_date', 'dates.days_in_month - 1') }}
            else bounds.last_day
        end as as_of_date
    from dates
    cross join bounds
),

final as (
    select
        holders.billing_account_id,
        holders.seat_holder_login,
        holders.month_start_date,
        spend.cost_center_id,
        coalesce(spend.gross_amount, 0) as gross_amount,
        coalesce(spend.net_amount, 0) as net_amount,
        effective.budget_id as effective_budget_id,
        effective.budget_scope as effective_budget_scope,
        effective.budget_amount as effective_budget_amount,
        effective.github_user_consumed_amount,
        months.days_in_month,
        {{ dbt.datediff('months.month_start_date', 'months.as_of_date', 'day') }} + 1 as days_elapsed
    from holders
    inner join months
        on months.billing_account_id = holders.billing_account_id
        and months.month_start_date = holders.month_start_date
    left join spend
        on spend.billing_account_id = holders.billing_account_id
        and spend.seat_holder_login = holders.seat_holder_login
        and spend.month_start_date = holders.month_start_date
    left join effective
        on effective.billing_account_id = holders.billing_account_id
        and effective.seat_holder_login = holders.seat_holder_login
        and effective.month_start_date = holders.month_start_date
        and effective.rank_in_order = 1
)

select
    {{ surrogate_key(['final.billing_account_id', 'final.seat_holder_login', 'final.month_start_date']) }}
        as user_budget_month_id,
    final.billing_account_id,
    final.seat_holder_login,
    final.month_start_date,
    final.cost_center_id,
    {{ money('final.gross_amount') }} as ai_credit_gross_amount,
    {{ money('final.net_amount') }} as ai_credit_net_amount,
    {{ money('final.net_amount * final.days_in_month / final.days_elapsed') }} as projected_month_net_amount,
    {{ money('final.gross_amount * final.days_in_month / final.days_elapsed') }} as projected_month_gross_amount,
    final.effective_budget_id,
    final.effective_budget_scope,
    {{ money('final.effective_budget_amount') }} as effective_budget_amount,
    {{ money('final.github_user_consumed_amount') }} as github_consumed_amount,
    coalesce(final.net_amount >= final.effective_budget_amount, false) as is_over_budget,
    coalesce(
        final.net_amount < final.effective_budget_amount
        and final.net_amount * final.days_in_month / final.days_elapsed >= final.effective_budget_amount,
        false
    ) as is_forecast_over_budget,
    {{ money('case when pools.pool_seat_count > 0 then pools.pool_target_amount / pools.pool_seat_count end') }}
        as pool_share_amount,
    coalesce(
        pools.is_exhausted_before_month_end
        and pools.pool_seat_count > 0
        and final.gross_amount * final.days_in_month / final.days_elapsed
            > pools.pool_target_amount / pools.pool_seat_count,
        false
    ) as would_exhaust_pool
from final
left join pools
    on pools.billing_account_id = final.billing_account_id
    and pools.cost_center_id = final.cost_center_id
    and pools.month_start_date = final.month_start_date
where final.days_elapsed > 0
