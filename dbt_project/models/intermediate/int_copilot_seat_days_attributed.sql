{{
    config(
        materialized='incremental',
        incremental_strategy='microbatch',
        event_time='usage_date',
        batch_size='month',
        begin=var('history_begin'),
        lookback=1,
        on_schema_change='fail',
    )
}}
-- The cost center that pays for a seat-day, by GitHub's rule for licence products (D-cc): a
-- cost center holding the user directly wins, then one holding the enterprise team that
-- granted the seat, then one holding the granting organization; otherwise no cost center.
-- Built one day per batch like the rest of the seat-day chain (macros/seat_day_batches.sql).
with seat_days as (
    select * from {{ ref('int_copilot_seat_days_expanded') }}
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
        on by_user.billing_account_id = seat_days.billing_account_id
        and by_user.resource_type = 'user'
        and by_user.resource_name = seat_days.seat_holder_login
        and seat_days.usage_date between by_user.valid_from_date and by_user.valid_to_date
    left join memberships as by_team
        on by_team.billing_account_id = seat_days.billing_account_id
        and by_team.resource_type = 'team'
        and seat_days.is_enterprise_team_grant
        and by_team.resource_name = lower(seat_days.assigning_team_slug)
        and seat_days.usage_date between by_team.valid_from_date and by_team.valid_to_date
    left join memberships as by_org
        on by_org.billing_account_id = seat_days.billing_account_id
        and by_org.resource_type = 'org'
        and by_org.resource_name = lower(seat_days.organization_name)
        and seat_days.usage_date between by_org.valid_from_date and by_org.valid_to_date
)

select
    billing_account_id,
    usage_date,
    seat_key,
    granted_on,
    described_by_snapshot_date,
    seat_holder_login,
    seat_holder_id,
    organization_name,
    assigning_team_slug,
    assigning_team_name,
    assigning_team_type,
    is_enterprise_team_grant,
    plan_type,
    granted_at,
    pending_cancellation_date,
    last_activity_at,
    last_activity_editor,
    last_activity_date,
    days_since_activity,
    is_idle,
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
