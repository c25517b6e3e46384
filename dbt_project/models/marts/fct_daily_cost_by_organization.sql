select
    {{ surrogate_key(['billing_account_id', 'usage_date', 'organization_name']) }}
        as daily_organization_cost_id,
    billing_account_id,
    usage_date,
    {{ surrogate_key(['billing_account_id', 'organization_name']) }} as organization_id,
    organization_name,
    {{ money('sum(gross_amount)') }} as gross_amount,
    {{ money('sum(discount_amount)') }} as discount_amount,
    {{ money('sum(net_amount)') }} as net_amount
from {{ ref('fct_usage_costs') }}
group by billing_account_id, usage_date, organization_name
