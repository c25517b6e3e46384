select
    model_name,
    min(usage_date) as first_usage_date,
    max(usage_date) as last_usage_date,
    string_agg(distinct billing_unit, ', ' order by billing_unit) as billing_units
from (
    select model_name, usage_date, billing_unit from {{ ref('int_copilot_model_usage_unioned') }}
    union all
    select model_name, usage_date, billing_unit from {{ ref('int_copilot_user_usage_attributed') }}
)
group by model_name
