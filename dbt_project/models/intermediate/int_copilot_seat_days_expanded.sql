{{
    config(
        materialized='incremental',
        incremental_strategy='seat_days',
        on_schema_change='fail',
    )
}}
{%- set rebuild_from = seat_days_rebuild_from() %}
-- Seat snapshots expanded to one row per seat (holder x granting org or team) and day: from
-- the grant day (or the first day of loaded usage, if later) to the last snapshot that listed
-- the seat, stopping before a pending cancellation. Each day takes its attributes from the
-- first snapshot on or after it, so daily snapshots give daily truth and a single snapshot
-- still describes history. Incremental: only days on or after `seat_days_rebuild_from` are
-- rebuilt (macros/seat_days_incremental.sql); a full refresh gives the same table.
with snapshots as (
    select * from {{ ref('stg_github_billing__copilot_seats') }}
),

horizon as (
    select min(usage_date) as first_usage_date from {{ ref('stg_github_billing__usage_items') }}
),

seats as (
    select
        seat_key,
        min(cast(granted_at as date)) as granted_on,
        max(snapshot_date) as last_seen_on
    from snapshots
    group by seat_key
),

bounded as (
    select
        seats.seat_key,
        seats.granted_on,
        greatest(
            seats.granted_on,
            coalesce(horizon.first_usage_date, seats.granted_on),
            {{ rebuild_from }}
        ) as first_day,
        seats.last_seen_on as last_day
    from seats
    cross join horizon
),

days as (
    select
        seat_key,
        granted_on,
        cast(unnest(generate_series(first_day, last_day, interval 1 day)) as date) as usage_date
    from bounded
    where first_day <= last_day
),

described as (
    select
        days.usage_date,
        days.seat_key,
        days.granted_on,
        snapshots.snapshot_date as described_by_snapshot_date,
        snapshots.seat_holder_login,
        snapshots.seat_holder_id,
        snapshots.organization_name,
        snapshots.assigning_team_slug,
        snapshots.assigning_team_name,
        snapshots.assigning_team_type,
        snapshots.is_enterprise_team_grant,
        snapshots.plan_type,
        snapshots.granted_at,
        snapshots.pending_cancellation_date,
        snapshots.last_activity_at,
        snapshots.last_activity_editor
    from days
    asof join snapshots
        on days.seat_key = snapshots.seat_key
        and days.usage_date <= snapshots.snapshot_date
),

flagged as (
    select
        *,
        cast(last_activity_at as date) as last_activity_date,
        usage_date - greatest(
            coalesce(cast(last_activity_at as date), granted_on), granted_on
        ) as days_since_activity
    from described
    where pending_cancellation_date is null or usage_date < pending_cancellation_date
)

select
    *,
    days_since_activity > {{ var('idle_days') }} as is_idle,
    {{ seat_days_load_watermark() }} as built_through_load_id
from flagged
