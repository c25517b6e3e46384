select
    {{ surrogate_key(['billing_account_id', 'usage_date', 'cost_center_id', 'organization_name', 'repository_name', 'workflow_path', 'user_login', 'sku', 'unit_type']) }}
        as workflow_usage_id,
    billing_account_id,
    usage_date,
    cost_center_id,
    organization_name,
    {{ surrogate_key(['billing_account_id', 'organization_name', 'repository_name']) }}
        as repository_id,
    repository_name,
    workflow_path,
    user_login,
    {{ surrogate_key(['product', 'sku']) }} as product_sku_id,
    sku,
    unit_type,
    {{ money('sum(quantity)') }} as quantity,
    {{ money('max(price_per_unit)') }} as price_per_unit,
    {{ money('sum(gross_amount)') }} as gross_amount,
    {{ money('sum(discount_amount)') }} as discount_amount,
    {{ money('sum(net_amount)') }} as net_amount
from {{ ref('int_detailed_usage_attributed') }}
where product = 'actions'
group by
    billing_account_id, usage_date, cost_center_id, organization_name, repository_name, workflow_path, user_login,
    product, sku, unit_type
