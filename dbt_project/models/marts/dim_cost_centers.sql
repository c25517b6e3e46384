-- Cost centers, active and deleted, plus 'none' for usage in no cost center and a row for any
-- partition id GitHub sent that its cost-center list no longer names, per account: two
-- accounts' cost centers (and their 'none') stay two rows even when they share a name.
with cost_centers as (
    select * from {{ ref('int_cost_centers_dated') }}
),

partition_ids as (
    select distinct billing_account_id, cost_center_id
    from {{ ref('stg_github_billing__usage_items') }}
    union
    select distinct billing_account_id, cost_center_id
    from {{ ref('int_copilot_model_usage_unioned') }}
    union
    select distinct billing_account_id, cost_center_id
    from {{ ref('int_copilot_user_usage_attributed') }}
    union
    select distinct billing_account_id, cost_center_id
    from {{ ref('int_detailed_usage_attributed') }}
    union
    select billing_account_id, 'none' from {{ ref('stg_github_billing__billing_accounts') }}
)

select
    {{ surrogate_key(['partition_ids.billing_account_id', 'partition_ids.cost_center_id']) }}
        as cost_center_key,
    partition_ids.billing_account_id,
    partition_ids.cost_center_id,
    case
        when partition_ids.cost_center_id = 'none' then 'No cost center'
        else coalesce(cost_centers.cost_center_name, 'Unknown cost center ' || partition_ids.cost_center_id)
    end as cost_center_name,
    case
        when partition_ids.cost_center_id = 'none' then 'none'
        else coalesce(cost_centers.cost_center_state, 'unknown')
    end as cost_center_state,
    cost_centers.azure_subscription,
    coalesce(cost_centers.is_ai_credit_pool_enabled, false) as is_ai_credit_pool_enabled,
    cost_centers.ai_credit_pool_target_amount,
    cost_centers.ai_credit_pool_current_amount,
    cost_centers.first_usage_date,
    cost_centers.last_usage_date
from partition_ids
left join cost_centers using (billing_account_id, cost_center_id)
union all
select
    {{ surrogate_key(['cost_centers.billing_account_id', 'cost_centers.cost_center_id']) }}
        as cost_center_key,
    cost_centers.billing_account_id,
    cost_centers.cost_center_id,
    cost_centers.cost_center_name,
    cost_centers.cost_center_state,
    cost_centers.azure_subscription,
    cost_centers.is_ai_credit_pool_enabled,
    cost_centers.ai_credit_pool_target_amount,
    cost_centers.ai_credit_pool_current_amount,
    cost_centers.first_usage_date,
    cost_centers.last_usage_date
from cost_centers
where not exists (
    select 1
    from partition_ids
    where partition_ids.billing_account_id = cost_centers.billing_account_id
        and partition_ids.cost_center_id = cost_centers.cost_center_id
)
