select
    {{ surrogate_key(['usage_date', 'organization_name']) }} as daily_organization_cost_id,
    usage_date,
    organization_name,
    {{ money('sum(gross_amount)') }} as gross_amount,
    {{ money('sum(discount_amount)') }} as discount_amount,
    {{ money('sum(net_amount)') }} as net_amount
from {{ ref('fct_usage_costs') }}
group by usage_date, organization_name
