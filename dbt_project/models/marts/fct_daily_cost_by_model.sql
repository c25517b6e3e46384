select
    {{ surrogate_key(['usage_date', 'model_name', 'billing_unit']) }} as daily_model_cost_id,
    usage_date,
    model_name,
    billing_unit,
    sum(gross_quantity) as gross_quantity,
    sum(net_quantity) as net_quantity,
    sum(gross_amount) as gross_amount,
    sum(discount_amount) as discount_amount,
    sum(net_amount) as net_amount
from {{ ref('fct_copilot_model_usage') }}
group by usage_date, model_name, billing_unit
