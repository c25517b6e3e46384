-- Organizations seen in usage or seat grants. '' stands for enterprise-level usage and seats
-- granted through an enterprise team, which GitHub bills to no organization.
with seen as (
    select organization_name, usage_date from {{ ref('stg_github_billing__usage_items') }}
    union all
    select organization_name, usage_date from {{ ref('int_copilot_seat_costs_allocated') }}
    union all
    select organization_name, usage_date from {{ ref('int_copilot_user_usage_attributed') }}
    union all
    select organization_name, usage_date from {{ ref('int_detailed_usage_attributed') }}
)

select
    organization_name,
    case when organization_name = '' then '(enterprise)' else organization_name end
        as organization_label,
    organization_name = '' as is_enterprise_level,
    min(usage_date) as first_seen_date,
    max(usage_date) as last_seen_date
from seen
group by organization_name
