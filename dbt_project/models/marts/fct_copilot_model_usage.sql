select
    {{ surrogate_key(['billing_account_id', 'usage_date', 'cost_center_id', 'model_name', 'sku', 'unit_type']) }}
        as model_usage_id,
    billing_account_id,
    usage_date,
    cost_center_id,
    model_name,
    {{ surrogate_key(['product', 'sku']) }} as product_sku_id,
    product,
    sku,
    unit_type,
    billing_unit,
    price_per_unit,
    gross_quantity,
    discount_quantity,
    net_quantity,
    gross_amount,
    discount_amount,
    net_amount
from {{ ref('int_copilot_model_usage_unioned') }}
