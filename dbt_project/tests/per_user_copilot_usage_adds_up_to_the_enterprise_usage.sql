-- Per-user usage and the enterprise's by-model usage (JSON endpoints) are two views of the
-- same dollars. On days the per-user rows come from GitHub's report exports (or their CSVs)
-- they agree per day and cost center. On days from the user= fallback (which knows neither
-- organization nor cost center, and asks only today's seat holders) or the legacy
-- premium-request report (priced from its quota flags), they can only fall short: per-user
-- never exceeds the enterprise total of the day. So can days with April 2026 back-fill rows,
-- which per-user usage leaves out as GitHub's report viewer does. All of it per account.
with backfill_days as (
    select distinct billing_account_id, usage_date
    from {{ ref('stg_github_billing__copilot_user_usage') }}
    where is_transition_backfill
),

per_user as (
    select
        usage.billing_account_id,
        usage.usage_date,
        not {{ dbt.bool_or("usage.source_report_type not in ('premium_request', 'ai_credit')") }}
            and max(backfill_days.usage_date) is null as is_complete,
        usage.cost_center_id,
        sum(usage.net_amount) as net_amount
    from {{ ref('fct_copilot_user_usage') }} as usage
    left join backfill_days
        on backfill_days.billing_account_id = usage.billing_account_id
        and backfill_days.usage_date = usage.usage_date
    group by usage.billing_account_id, usage.usage_date, usage.cost_center_id
),

days as (
    select billing_account_id, usage_date, not {{ dbt.bool_or('not is_complete') }} as is_complete
    from per_user
    group by billing_account_id, usage_date
),

keyed_per_user as (
    select
        per_user.billing_account_id,
        per_user.usage_date,
        case when days.is_complete then per_user.cost_center_id else '*' end as cost_center_key,
        sum(per_user.net_amount) as net_amount
    from per_user
    inner join days using (billing_account_id, usage_date)
    group by 1, 2, 3
),

keyed_enterprise as (
    select
        model_usage.billing_account_id,
        model_usage.usage_date,
        case when days.is_complete then model_usage.cost_center_id else '*' end
            as cost_center_key,
        sum(model_usage.net_amount) as net_amount
    from {{ ref('fct_copilot_model_usage') }} as model_usage
    inner join days using (billing_account_id, usage_date)
    group by 1, 2, 3
),

compared as (
    select
        coalesce(keyed_per_user.billing_account_id, keyed_enterprise.billing_account_id)
            as billing_account_id,
        coalesce(keyed_per_user.usage_date, keyed_enterprise.usage_date) as usage_date,
        coalesce(keyed_per_user.cost_center_key, keyed_enterprise.cost_center_key)
            as cost_center_key,
        coalesce(keyed_per_user.net_amount, 0) as per_user_net_amount,
        coalesce(keyed_enterprise.net_amount, 0) as enterprise_net_amount
    from keyed_per_user
    full outer join keyed_enterprise
        on keyed_per_user.billing_account_id = keyed_enterprise.billing_account_id
        and keyed_per_user.usage_date = keyed_enterprise.usage_date
        and keyed_per_user.cost_center_key = keyed_enterprise.cost_center_key
)

select *
from compared
where
    (cost_center_key <> '*'
        and abs(per_user_net_amount - enterprise_net_amount) > {{ var('reconciliation_tolerance') }})
    or (cost_center_key = '*'
        and per_user_net_amount - enterprise_net_amount > {{ var('reconciliation_tolerance') }})
