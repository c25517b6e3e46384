-- Membership history from dlt's scd2 versions, as UTC day ranges. The first load only tells
-- what membership is now: it is taken as valid since ever (GitHub attributes forward only, so
-- this is the best guess for history loaded on day one). Later versions start on their load
-- day and end the day before the load that no longer saw them, or when their cost center was
-- deleted. Each account's first load is its own day one.
with resources as (
    select * from {{ ref('stg_github_billing__cost_center_resources') }}
),

first_load as (
    select billing_account_id, min(valid_from_at) as first_valid_from_at
    from resources
    group by billing_account_id
),

cost_centers as (
    select * from {{ ref('int_cost_centers_dated') }}
),

dated as (
    select
        resources.cost_center_resource_version_id,
        resources.billing_account_id,
        resources.cost_center_id,
        resources.resource_type,
        resources.resource_name,
        case
            when resources.valid_from_at = first_load.first_valid_from_at then date '0001-01-01'
            else cast(resources.valid_from_at as date)
        end as valid_from_date,
        least(
            coalesce(
                cast({{ dbt.dateadd('day', -1, 'cast(resources.valid_to_at as date)') }} as date),
                date '9999-12-31'
            ),
            coalesce(cost_centers.attribution_ends_on, date '9999-12-31')
        ) as valid_to_date
    from resources
    inner join first_load using (billing_account_id)
    left join cost_centers using (billing_account_id, cost_center_id)
)

select * from dated
where valid_from_date <= valid_to_date
