-- The detailed usage report with the cost center's id resolved from the name it carries.
with usage as (
    select * from {{ ref('stg_github_billing__detailed_usage') }}
)

select
    usage.*,
    {{ resolved_cost_center_id('usage') }}
from usage
{{ resolve_cost_center_join('usage', 'detailed_usage_id') }}
