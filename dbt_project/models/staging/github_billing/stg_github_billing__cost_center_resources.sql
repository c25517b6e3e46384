with source as (
    select * from {{ source('github_billing', 'cost_center_resources') }}
),

renamed as (
    select
        billing_account_id,
        _dlt_id as cost_center_resource_version_id,
        cost_center_id,
        -- GitHub's examples say User / Team / Repo; organisations may come as Org or
        -- Organization (the loader normalises the spelling, `Enterprise Team` ->
        -- `enterprise_team`): one closed set of types for attribution.
        case resource_type
            when 'organization' then 'org'
            when 'repository' then 'repo'
            when 'enterprise_team' then 'team'
            else resource_type
        end as resource_type,
        resource_type_raw,
        -- logins, team slugs, organization and repository names are case-insensitive on GitHub
        lower(resource_name) as resource_name,
        resource_name as resource_name_raw,
        {{ utc_timestamp('_dlt_valid_from') }} as valid_from_at,
        {{ utc_timestamp('_dlt_valid_to') }} as valid_to_at,
        _dlt_load_id as dlt_load_id
    from source
)

select * from renamed
