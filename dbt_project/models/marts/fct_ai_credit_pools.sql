-- A cost center's pooled included AI credits run out when its users' gross AI-credit spend
-- of the month reaches the pool's target; after that, every credit is billed (and budgets
-- start to bite). Projection: the month's spend per elapsed day, carried to the month's end.
with pool_states as (
    select * from {{ ref('stg_github_billing__cost_center_pool_states') }}
),

usage_costs as (
    select * from {{ ref('fct_usage_costs') }}
),

seat_days as (
    select * from {{ ref('fct_copilot_seat_days') }}
),

cost_centers as (
    select * from {{ ref('dim_cost_centers') }}
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

pools as (
    select
        *,
        {{ month_start('snapshot_date') }} as month_start_date,
        row_number() over (
            partition by billing_account_id, cost_center_id, {{ month_start('snapshot_date') }}
            order by snapshot_date desc
        ) as recency
    from pool_states
    where is_ai_credit_pool_enabled
),

pool_months as (
    select
        pools.billing_account_id,
        pools.cost_center_id,
        pools.month_start_date,
        pools.pool_target_amount,
        pools.pool_consumed_amount as github_pool_consumed_amount,
        dates.days_in_month,
        case
            when {{ day_offset('pools.month_start_date', 'dates.days_in_month - 1') }} < bounds.last_day
                then {{ day_offset('pools.month_start_date', 'dates.days_in_month - 1') }}
            else bounds.last_day
        end as as_of_date
    from pools
    inner join bounds on bounds.billing_account_id = pools.billing_account_id
    inner join dates on dates.month_start_date = pools.month_start_date
    where pools.recency = 1
),

daily_spend as (
    select
        pool_months.billing_account_id,
        pool_months.cost_center_id,
        pool_months.month_start_date,
        usage_costs.usage_date,
        sum(usage_costs.gross_amount) as gross_amount
    from pool_months
    inner join usage_costs
        on usage_costs.billing_account_id = pool_months.billing_account_id
        and usage_costs.cost_center_id = pool_months.cost_center_id
        and {{ is_copilot_ai_credit('usage_costs') }}
        and usage_costs.usage_date >= pool_months.month_start_date
        and usage_costs.usage_date <= pool_months.as_of_date
    group by
        pool_months.billing_account_id, pool_months.cost_center_id, pool_months.month_start_date,
        usage_costs.usage_date
),

cumulative as (
    select
        *,
        sum(gross_amount) over (
            partition by billing_account_id, cost_center_id, month_start_date order by usage_date
            rows between unbounded preceding and current row
        ) as spent_to_date
    from daily_spend
),

spent as (
    select
        cumulative.billing_account_id,
        cumulative.cost_center_id,
        cumulative.month_start_date,
        max(cumulative.spent_to_date) as pool_spend_amount,
        min(case when cumulative.spent_to_date >= pool_months.pool_target_amount then cumulative.usage_date end)
            as exhausted_on
    from cumulative
    inner join pool_months
        on pool_months.billing_account_id = cumulative.billing_account_id
        and pool_months.cost_center_id = cumulative.cost_center_id
        and pool_months.month_start_date = cumulative.month_start_date
    group by cumulative.billing_account_id, cumulative.cost_center_id, cumulative.month_start_date
),

seats as (
    select
        pool_months.billing_account_id,
        pool_months.cost_center_id,
        pool_months.month_start_date,
        count(distinct seat_days.seat_holder_login) as pool_seat_count
    from pool_months
    inner join seat_days
        on seat_days.billing_account_id = pool_months.billing_account_id
        and seat_days.cost_center_id = pool_months.cost_center_id
        and seat_days.usage_date = pool_months.as_of_date
    group by pool_months.billing_account_id, pool_months.cost_center_id, pool_months.month_start_date
),

final as (
    select
        pool_months.*,
        coalesce(spent.pool_spend_amount, 0) as pool_spend_amount,
        spent.exhausted_on,
        coalesce(seats.pool_seat_count, 0) as pool_seat_count,
        {{ dbt.datediff('pool_months.month_start_date', 'pool_months.as_of_date', 'day') }} + 1 as days_elapsed
    from pool_months
    left join spent
        on spent.billing_account_id = pool_months.billing_account_id
        and spent.cost_center_id = pool_months.cost_center_id
        and spent.month_start_date = pool_months.month_start_date
    left join seats
        on seats.billing_account_id = pool_months.billing_account_id
        and seats.cost_center_id = pool_months.cost_center_id
        and seats.month_start_date = pool_months.month_start_date
    where pool_months.as_of_date >= pool_months.month_start_date
),

projected as (
    select
        *,
        pool_spend_amount * days_in_month / days_elapsed as projected_month_spend_amount,
        case
            when exhausted_on is not null then exhausted_on
            when pool_spend_amount > 0
                and pool_spend_amount * days_in_month / days_elapsed >= pool_target_amount
                then {{ day_offset('month_start_date', 'cast(ceil(pool_target_amount * days_elapsed / pool_spend_amount) as integer) - 1') }}
        end as projected_exhausted_on
    from final
)

select
    {{ surrogate_key(['projected.billing_account_id', 'projected.cost_center_id', 'projected.month_start_date']) }}
        as ai_credit_pool_month_id,
    projected.billing_account_id,
    projected.cost_center_id,
    cost_centers.cost_center_name,
    projected.month_start_date,
    projected.as_of_date,
    projected.pool_seat_count,
    {{ money('projected.pool_target_amount') }} as pool_target_amount,
    {{ money('projected.github_pool_consumed_amount') }} as github_pool_consumed_amount,
    {{ money('projected.pool_spend_amount') }} as pool_spend_amount,
    {{ money('projected.projected_month_spend_amount') }} as projected_month_spend_amount,
    projected.exhausted_on,
    projected.projected_exhausted_on,
    coalesce(
        projected.projected_exhausted_on < {{ day_offset('projected.month_start_date', 'projected.days_in_month - 1') }},
        false
    ) as is_exhausted_before_month_end
from projected
left join cost_centers
    on cost_centers.billing_account_id = projected.billing_account_id
    and cost_centers.cost_center_id = projected.cost_center_id
