{{
    config(
        materialized='incremental',
        incremental_strategy='seat_days',
        on_schema_change='fail',
    )
}}
{%- set rebuild_from = seat_days_rebuild_from() %}
-- The cost center that pays for a seat-day, by GitHub's rule for licence products (D-cc): a
-- cost center holding the user directly wins, then one holding the enterprise team that
-- granted the seat, then one holding the granting organization; otherwise no cost center.
-- Incremental by day like the rest of the seat-day chain (macros/seat_days_incremental.sql).
with seat_days as (
    select * exclude (built_through_load_id) from {{ ref('int_copilot_seat_days_expanded') }}
    where usage_date >= {{ rebuild_from }}
),

memberships as (
    select * from {{ ref('int_cost_center_memberships_dated') }}
),

attributed as (
    select
        seat_days.*,
        by_user.cost_center_id as user_cost_center_id,
        by_team.cost_center_id as team_cost_center_id,
        by_org.cost_center_id as organization_cost_center_id
    from seat_days
    left join memberships as by_user
        on by_user.resource_type = 'user'
        and by_user.resource_name = seat_days.seat_holder_login
        and seat_days.usage_date between by_user.valid_from_date and by_user.valid_to_date
    left join memberships as by_team
        on by_team.resource_type = 'team'
        and seat_days.is_enterprise_team_grant
        and by_team.resource_name = lower(seat_days.assigning_team_slug)
        and seat_days.usage_date between by_team.valid_from_date and by_team.valid_to_date
    left join memberships as by_org
        on by_org.resource_type = 'org'
        and by_org.resource_name = lower(seat_days.organization_name)
        and seat_days.usage_date between by_org.valid_from_date and by_org.valid_to_date
)

select
    * exclude (user_cost_center_id, team_cost_center_id, organization_cost_center_id),
    coalesce(user_cost_center_id, team_cost_center_id, organization_cost_center_id, 'none')
        as cost_center_id,
    case
        when user_cost_center_id is not null then 'user'
        when team_cost_center_id is not null then 'enterprise_team'
        when organization_cost_center_id is not null then 'organization'
        else 'none'
    end as attribution_rule,
    {{ seat_days_load_watermark() }} as built_through_load_id
from attributed
