-- Organizations seen in usage or seat grants. '' stands for enterprise-level usage and seats
-- granted through an enterprise team, which GitHub bills to no organization. An organization
-- is its account's: two accounts' organizations of the same name stay two rows.
with seen as (
    select billing_account_id, organization_name, usage_date from {{ ref('stg_github_billing__usage_items') }}
    union all
    select billing_account_id, organization_name, usage_date from {{ ref('int_copilot_seat_costs_allocated') }}
    union all
    select billing_account_id, organization_name, usage_date from {{ ref('int_copilot_user_usage_attributed') }}
    union all
    select billing_account_id, organization_name, usage_date from {{ ref('int_detailed_usage_attributed') }}
)

select
    {{ surrogate_key(['billing_account_id', 'organization_name']) }} as organization_id,
    billing_account_id,
    organization_name,
    case when organization_name = '' then '(enterprise)' else organization_name end
        as organization_label,
    organization_name = '' as is_enterprise_level,
    min(usage_date) as first_seen_date,
    max(usage_date) as last_seen_date
from seen
group by billing_account_id, organization_name
