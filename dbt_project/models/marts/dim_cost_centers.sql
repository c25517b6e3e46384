-- Cost centers, active and deleted, plus 'none' for usage in no cost center and a row for any
-- partition id GitHub sent that its cost-center list no longer names.
with cost_centers as (
    select * from {{ ref('int_cost_centers_dated') }}
),

partition_ids as (
    select distinct cost_center_id from {{ ref('stg_github_billing__usage_items') }}
    union
    select distinct cost_center_id from {{ ref('int_copilot_model_usage_unioned') }}
    union
    select distinct cost_center_id from {{ ref('int_copilot_user_usage_attributed') }}
    union
    select distinct cost_center_id from {{ ref('int_detailed_usage_attributed') }}
    union
    select 'none'
)

select
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
left join cost_centers using (cost_center_id)
union all
select
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
where cost_centers.cost_center_id not in (select cost_center_id from partition_ids)
