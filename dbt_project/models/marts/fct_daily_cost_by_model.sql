select
    {{ surrogate_key(['billing_account_id', 'usage_date', 'model_name', 'billing_unit']) }}
        as daily_model_cost_id,
    billing_account_id,
    usage_date,
    model_name,
    billing_unit,
    {{ money('sum(gross_quantity)') }} as gross_quantity,
    {{ money('sum(net_quantity)') }} as net_quantity,
    {{ money('sum(gross_amount)') }} as gross_amount,
    {{ money('sum(discount_amount)') }} as discount_amount,
    {{ money('sum(net_amount)') }} as net_amount
from {{ ref('fct_copilot_model_usage') }}
group by billing_account_id, usage_date, model_name, billing_unit
