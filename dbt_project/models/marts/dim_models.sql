select
    model_name,
    min(usage_date) as first_usage_date,
    max(usage_date) as last_usage_date,
    string_agg(distinct billing_unit, ', ' order by billing_unit) as billing_units
from {{ ref('int_copilot_model_usage_unioned') }}
group by model_name
