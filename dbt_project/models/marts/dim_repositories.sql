-- Repositories seen in usage. A repository name of '' holds usage GitHub does not attribute to
-- a repository (licences, Packages storage...), one such row per organization. Two accounts'
-- repositories of the same name stay two rows.
select
    {{ surrogate_key(['billing_account_id', 'organization_name', 'repository_name']) }}
        as repository_id,
    billing_account_id,
    organization_name,
    repository_name,
    repository_name = '' as is_unattributed,
    min(usage_date) as first_usage_date,
    max(usage_date) as last_usage_date
from (
    select billing_account_id, organization_name, repository_name, usage_date
    from {{ ref('stg_github_billing__usage_items') }}
    union all
    select billing_account_id, organization_name, repository_name, usage_date
    from {{ ref('int_detailed_usage_attributed') }}
) as seen
group by billing_account_id, organization_name, repository_name
