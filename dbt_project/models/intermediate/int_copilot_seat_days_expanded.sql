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
{%- set batch = batch_days() %}
-- Seat snapshots expanded to one row per seat (holder x granting org or team) and day: from
-- the grant day (or the first day of loaded usage, if later) to the last snapshot that listed
-- the seat, stopping before a pending cancellation. Each day takes its attributes from the
-- first snapshot on or after it, so daily snapshots give daily truth and a single snapshot
-- still describes history. Built one day per batch (macros/seat_day_batches.sql); a full
-- refresh gives the same table.
with snapshots as (
    select * from {{ ref('stg_github_billing__copilot_seats') }}
),

horizon as (
    -- every loaded day of the account, not only the batch's: seat-days start on the first one
    select billing_account_id, min(usage_date) as first_usage_date
    from {{ ref('fct_usage_costs').render() }}
    group by billing_account_id
),

seats as (
    select
        billing_account_id,
        seat_key,
        min(cast(granted_at as date)) as granted_on,
        max(snapshot_date) as last_seen_on
    from snapshots
    group by billing_account_id, seat_key
),

bounded as (
    select
        seats.billing_account_id,
        seats.seat_key,
        seats.granted_on,
        greatest(
            seats.granted_on,
            coalesce(horizon.first_usage_date, seats.granted_on),
            {{ batch.first }}
        ) as first_day,
        least(seats.last_seen_on, {{ batch.last }}) as last_day
    from seats
    left join horizon using (billing_account_id)
),

-- a snapshot describes the days since the seat's previous snapshot
described_spans as (
    select
        snapshots.*,
        bounded.granted_on,
        bounded.first_day,
        bounded.last_day,
        lag(snapshots.snapshot_date) over (
            partition by snapshots.billing_account_id, snapshots.seat_key
            order by snapshots.snapshot_date
        ) as previous_snapshot_date
    from snapshots
    inner join bounded
        on bounded.billing_account_id = snapshots.billing_account_id
        and bounded.seat_key = snapshots.seat_key
    where bounded.first_day <= bounded.last_day
),

calendar as (
    {{ day_spine(
        '(select min(first_day) from bounded where first_day <= last_day)',
        '(select max(last_day) from bounded where first_day <= last_day)',
    ) }}
),

described as (
    select
        spans.billing_account_id,
        calendar.date_day as usage_date,
        spans.seat_key,
        spans.granted_on,
        spans.snapshot_date as described_by_snapshot_date,
        spans.seat_holder_login,
        spans.seat_holder_id,
        spans.organization_name,
        spans.assigning_team_slug,
        spans.assigning_team_name,
        spans.assigning_team_type,
        spans.is_enterprise_team_grant,
        spans.plan_type,
        spans.granted_at,
        spans.pending_cancellation_date,
        spans.last_activity_at,
        spans.last_activity_editor
    from described_spans as spans
    inner join calendar
        on calendar.date_day >= spans.first_day
        and calendar.date_day <= spans.last_day
        and calendar.date_day <= spans.snapshot_date
        and (
            spans.previous_snapshot_date is null
            or calendar.date_day > spans.previous_snapshot_date
        )
),

flagged as (
    select
        *,
        cast(last_activity_at as date) as last_activity_date,
        {{ dbt.datediff(
            'greatest(coalesce(cast(last_activity_at as date), granted_on), granted_on)',
            'usage_date',
            'day',
        ) }} as days_since_activity
    from described
    where pending_cancellation_date is null or usage_date < pending_cancellation_date
)

select
    *,
    days_since_activity > {{ var('idle_days') }} as is_idle,
    {{ seat_days_load_watermark() }} as built_through_load_id
from flagged
