with seen as (
    select model_name, usage_date, billing_unit from {{ ref('int_copilot_model_usage_unioned') }}
    union all
    select model_name, usage_date, billing_unit from {{ ref('int_copilot_user_usage_attributed') }}
),

unit_lists as (
    {{ distinct_list('seen', ['model_name'], 'billing_unit', 'billing_units') }}
)

select
    seen.model_name,
    min(seen.usage_date) as first_usage_date,
    max(seen.usage_date) as last_usage_date,
    unit_lists.billing_units
from seen
left join unit_lists on unit_lists.model_name = seen.model_name
group by seen.model_name, unit_lists.billing_units
