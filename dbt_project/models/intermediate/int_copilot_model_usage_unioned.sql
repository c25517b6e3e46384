-- Copilot usage by model in one shape: premium requests (to 2026-05-31) and AI credits (from
-- 2026-06-01), with the billing unit as a column.
{%- set columns = [
    'billing_account_id', 'usage_date', 'cost_center_id', 'cost_center_name', 'model_name', 'product', 'sku',
    'unit_type', 'price_per_unit', 'gross_quantity', 'discount_quantity', 'net_quantity',
    'gross_amount', 'discount_amount', 'net_amount',
] %}
with premium_requests as (
    select {{ columns | join(', ') }}, 'premium_requests' as billing_unit
    from {{ ref('stg_github_billing__premium_request_usage') }}
),

ai_credits as (
    select {{ columns | join(', ') }}, 'ai_credits' as billing_unit
    from {{ ref('stg_github_billing__ai_credit_usage') }}
),

unioned as (
    select * from premium_requests
    union all
    select * from ai_credits
)

select
    billing_account_id,
    usage_date,
    cost_center_id,
    max(cost_center_name) as cost_center_name,
    model_name,
    product,
    sku,
    unit_type,
    billing_unit,
    {{ money('max(price_per_unit)') }} as price_per_unit,
    {{ money('sum(gross_quantity)') }} as gross_quantity,
    {{ money('sum(discount_quantity)') }} as discount_quantity,
    {{ money('sum(net_quantity)') }} as net_quantity,
    {{ money('sum(gross_amount)') }} as gross_amount,
    {{ money('sum(discount_amount)') }} as discount_amount,
    {{ money('sum(net_amount)') }} as net_amount
from unioned
group by billing_account_id, usage_date, cost_center_id, model_name, product, sku, unit_type, billing_unit
