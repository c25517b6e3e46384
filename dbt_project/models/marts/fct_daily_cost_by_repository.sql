select
    {{ surrogate_key(['billing_account_id', 'usage_date', 'repository_id']) }}
        as daily_repository_cost_id,
    billing_account_id,
    usage_date,
    repository_id,
    organization_name,
    repository_name,
    {{ money('sum(gross_amount)') }} as gross_amount,
    {{ money('sum(discount_amount)') }} as discount_amount,
    {{ money('sum(net_amount)') }} as net_amount
from {{ ref('fct_usage_costs') }}
group by billing_account_id, usage_date, repository_id, organization_name, repository_name
