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
-- Copilot licence dollars billed in /usage (one line per day, organization, cost center and
-- licence SKU) allocated to the seat-days behind them, so the allocated total always equals
-- the bill:
-- 1. A holder granted through several orgs or teams is billed once a day, through one grant:
--    one whose (org, cost center, SKU) has a billed line that day; among those, the line with
--    the fewest spare candidates (a line billing 3 seats with exactly 3 candidate holders
--    needs each of them); then the earliest grant.
-- 2. Each billed line is split evenly, exact to 1e-12, over the billed seat-days in it.
-- 3. A billed line with no seat-day behind it (a seat removed before the first snapshot, or an
--    attribution GitHub made differently) becomes one '(unassigned)' row: no dollar is lost.
-- Seat-days with no billed line yet (today, or days GitHub has not billed) carry 0 billed
-- dollars and a list-price estimate, never added to the bill.
-- Built one day per batch like the rest of the seat-day chain (macros/seat_day_batches.sql):
-- dbt filters the seat-days and usage items it reads to the batch's day.
with seat_days as (
    select * from {{ ref('int_copilot_seat_days_attributed') }}
),

plan_skus as (
    select plan_type, sku, list_price_per_month
    from {{ ref('github_skus') }}
    where is_seat_licence
),

licence_lines as (
    select
        billing_account_id,
        usage_date,
        lower(organization_name) as organization_key,
        min(organization_name) as organization_name,
        cost_center_id,
        sku,
        {{ money('sum(quantity)') }} as billed_quantity,
        max(price_per_unit) as price_per_unit,
        {{ money('sum(discount_amount)') }} as discount_amount,
        {{ money('sum(net_amount)') }} as net_amount
    from {{ ref('fct_usage_costs') }}
    where sku in (select sku from plan_skus)
    group by billing_account_id, usage_date, lower(organization_name), cost_center_id, sku
),

candidates as (
    select
        seat_days.*,
        plan_skus.sku,
        plan_skus.list_price_per_month,
        licence_lines.usage_date is not null as has_billed_line,
        licence_lines.discount_amount as line_discount_amount,
        licence_lines.net_amount as line_net_amount,
        -- seats the line bills: quantity is user-months, prorated per day
        round(licence_lines.billed_quantity * {{ days_in_month('seat_days.usage_date') }})
            as seats_billed_in_line
    from seat_days
    left join plan_skus using (plan_type)
    left join licence_lines
        on licence_lines.billing_account_id = seat_days.billing_account_id
        and licence_lines.usage_date = seat_days.usage_date
        and licence_lines.organization_key = lower(seat_days.organization_name)
        and licence_lines.cost_center_id = seat_days.cost_center_id
        and licence_lines.sku = plan_skus.sku
),

with_slack as (
    select
        *,
        -- distinct holders in the line: ranks from both ends add up to their count plus one
        dense_rank() over (line order by seat_holder_login)
            + dense_rank() over (line order by seat_holder_login desc)
            - 1 - seats_billed_in_line as spare_candidates
    from candidates
    window line as (
        partition by billing_account_id, usage_date, lower(organization_name), cost_center_id, sku
    )
),

billed_once as (
    select
        *,
        row_number() over (
            partition by billing_account_id, seat_holder_login, usage_date
            order by has_billed_line desc, spare_candidates, granted_at, seat_key
        ) = 1 as is_billed_grant,
        -- how firmly the seat's cost center is known: a direct user membership is certain, a
        -- fallback to the organization or to no cost center may hide a deleted membership
        case attribution_rule
            when 'none' then 0 when 'organization' then 1 when 'enterprise_team' then 2 else 3
        end as attribution_strength
    from with_slack
),

-- GitHub lists no members for a deleted cost center, so a licence line it billed to one finds
-- no seat-day attributed there (history loaded after the deletion). The line is GitHub's own
-- word that that many seats of the organization it names sat in the cost center that day: it
-- takes that many of the organization's billed seat-days of the SKU that no line explains,
-- first those with no billed line, then the surplus of lines billing fewer seats than they
-- have candidates, weakest attribution first. Every seat-day of a SKU costs the same, so each
-- holder's dollars are exact; which holders are charged to the deleted cost center is a
-- guess only among seats whose own membership is not known. One deleted cost center per
-- organization, day and SKU (the lowest id) is filled so; anything else stays '(unassigned)'.
deleted_cost_center_lines as (
    select
        licence_lines.billing_account_id,
        licence_lines.usage_date,
        licence_lines.organization_key,
        licence_lines.sku,
        min(licence_lines.cost_center_id) as cost_center_id
    from licence_lines
    inner join {{ ref('stg_github_billing__cost_centers') }} as cost_centers
        on cost_centers.billing_account_id = licence_lines.billing_account_id
        and cost_centers.cost_center_id = licence_lines.cost_center_id
        and cost_centers.cost_center_state = 'deleted'
    where not exists (
        select 1
        from billed_once
        where billed_once.billing_account_id = licence_lines.billing_account_id
            and billed_once.usage_date = licence_lines.usage_date
            and lower(billed_once.organization_name) = licence_lines.organization_key
            and billed_once.cost_center_id = licence_lines.cost_center_id
            and billed_once.sku = licence_lines.sku
    )
    group by
        licence_lines.billing_account_id, licence_lines.usage_date,
        licence_lines.organization_key, licence_lines.sku
),

deleted_lines_to_fill as (
    select
        deleted.*,
        licence_lines.discount_amount,
        licence_lines.net_amount,
        round(licence_lines.billed_quantity * {{ days_in_month('deleted.usage_date') }}) as seats_to_fill
    from deleted_cost_center_lines as deleted
    inner join licence_lines
        using (billing_account_id, usage_date, organization_key, cost_center_id, sku)
),

unexplained_seat_days as (
    select
        *,
        count(case when has_billed_line then 1 end) over own_line
            - coalesce(seats_billed_in_line, 0) as surplus_in_own_line,
        row_number() over (own_line order by attribution_strength, seat_key desc)
            as weakest_in_own_line
    from billed_once
    where is_billed_grant
    window own_line as (
        partition by billing_account_id, usage_date, lower(organization_name), cost_center_id, sku
    )
),

moved_to_deleted_lines as (
    select billing_account_id, usage_date, seat_key, cost_center_id, discount_amount, net_amount
    from (
        select
            seat_days.billing_account_id,
            seat_days.usage_date,
            seat_days.seat_key,
            lines.cost_center_id,
            lines.discount_amount,
            lines.net_amount,
            lines.seats_to_fill,
            row_number() over (
                partition by
                    seat_days.billing_account_id, seat_days.usage_date,
                    lines.organization_key, lines.sku
                order by seat_days.has_billed_line, seat_days.attribution_strength, seat_days.seat_key
            ) as fill_order
        from unexplained_seat_days as seat_days
        inner join deleted_lines_to_fill as lines
            on lines.billing_account_id = seat_days.billing_account_id
            and lines.usage_date = seat_days.usage_date
            and lines.organization_key = lower(seat_days.organization_name)
            and lines.sku = seat_days.sku
        where not seat_days.has_billed_line
            or seat_days.weakest_in_own_line <= seat_days.surplus_in_own_line
    ) as ordered
    where fill_order <= seats_to_fill
),

reassigned as (
    select
        billed_once.billing_account_id,
        billed_once.usage_date,
        billed_once.seat_key,
        billed_once.seat_holder_login,
        billed_once.seat_holder_id,
        billed_once.organization_name,
        billed_once.assigning_team_slug,
        billed_once.assigning_team_type,
        coalesce(moved.cost_center_id, billed_once.cost_center_id) as cost_center_id,
        case
            when moved.seat_key is not null then 'deleted_cost_center_line'
            else billed_once.attribution_rule
        end as attribution_rule,
        billed_once.plan_type,
        billed_once.sku,
        billed_once.granted_on,
        billed_once.pending_cancellation_date,
        billed_once.last_activity_at,
        billed_once.last_activity_date,
        billed_once.last_activity_editor,
        billed_once.days_since_activity,
        billed_once.is_idle,
        billed_once.is_billed_grant,
        billed_once.list_price_per_month,
        billed_once.has_billed_line or moved.seat_key is not null as has_billed_line,
        coalesce(moved.discount_amount, billed_once.line_discount_amount) as line_discount_amount,
        coalesce(moved.net_amount, billed_once.line_net_amount) as line_net_amount
    from billed_once
    left join moved_to_deleted_lines as moved using (billing_account_id, usage_date, seat_key)
),

in_buckets as (
    select
        *,
        count(case when is_billed_grant and has_billed_line then 1 end) over bucket
            as seats_in_line,
        row_number() over (
            bucket order by case when is_billed_grant and has_billed_line then 0 else 1 end, seat_key
        )
            as row_in_line
    from reassigned
    window bucket as (
        partition by billing_account_id, usage_date, lower(organization_name), cost_center_id, sku
    )
),

seat_rows as (
    select
        in_buckets.billing_account_id,
        in_buckets.usage_date,
        in_buckets.seat_key,
        in_buckets.seat_holder_login,
        in_buckets.seat_holder_id,
        in_buckets.organization_name,
        in_buckets.assigning_team_slug,
        in_buckets.assigning_team_type,
        in_buckets.cost_center_id,
        in_buckets.attribution_rule,
        in_buckets.plan_type,
        in_buckets.sku,
        in_buckets.granted_on,
        in_buckets.pending_cancellation_date,
        in_buckets.last_activity_at,
        in_buckets.last_activity_date,
        in_buckets.last_activity_editor,
        in_buckets.days_since_activity,
        in_buckets.is_idle,
        in_buckets.is_billed_grant,
        false as is_unassigned,
        case
            when not in_buckets.is_billed_grant then 'duplicate_grant'
            when in_buckets.has_billed_line then 'billed'
            else 'not_billed'
        end as cost_source,
        case
            when in_buckets.is_billed_grant and in_buckets.has_billed_line
                then {{ allocate_evenly('in_buckets.line_discount_amount', 'in_buckets.seats_in_line', 'in_buckets.row_in_line') }}
            else {{ money(0) }}
        end as discount_amount,
        case
            when in_buckets.is_billed_grant and in_buckets.has_billed_line
                then {{ allocate_evenly('in_buckets.line_net_amount', 'in_buckets.seats_in_line', 'in_buckets.row_in_line') }}
            else {{ money(0) }}
        end as net_amount,
        case
            when in_buckets.is_billed_grant
                then {{ money('round(in_buckets.list_price_per_month / ' ~ days_in_month('in_buckets.usage_date') ~ ', 12)') }}
            else {{ money(0) }}
        end as list_price_estimate_amount
    from in_buckets
),

unassigned_rows as (
    select
        licence_lines.billing_account_id,
        licence_lines.usage_date,
        '(unassigned)|' || licence_lines.organization_name || '|' || licence_lines.cost_center_id
            || '|' || licence_lines.sku as seat_key,
        '(unassigned)' as seat_holder_login,
        cast(null as bigint) as seat_holder_id,
        licence_lines.organization_name,
        '' as assigning_team_slug,
        cast(null as {{ dbt.type_string() }}) as assigning_team_type,
        licence_lines.cost_center_id,
        'billed_line' as attribution_rule,
        coalesce(plan_skus.plan_type, 'unknown') as plan_type,
        licence_lines.sku,
        cast(null as date) as granted_on,
        cast(null as date) as pending_cancellation_date,
        cast(null as timestamp) as last_activity_at,
        cast(null as date) as last_activity_date,
        cast(null as {{ dbt.type_string() }}) as last_activity_editor,
        cast(null as integer) as days_since_activity,
        false as is_idle,
        true as is_billed_grant,
        true as is_unassigned,
        'unassigned' as cost_source,
        licence_lines.discount_amount,
        licence_lines.net_amount,
        {{ money(0) }} as list_price_estimate_amount
    from licence_lines
    left join plan_skus on plan_skus.sku = licence_lines.sku
    where not exists (
        select 1
        from seat_rows
        where seat_rows.cost_source = 'billed'
            and seat_rows.billing_account_id = licence_lines.billing_account_id
            and seat_rows.usage_date = licence_lines.usage_date
            and lower(seat_rows.organization_name) = licence_lines.organization_key
            and seat_rows.cost_center_id = licence_lines.cost_center_id
            and seat_rows.sku = licence_lines.sku
    )
)

select
    *,
    {{ money('discount_amount + net_amount') }} as gross_amount,
    {{ seat_days_load_watermark() }} as built_through_load_id
from seat_rows
union all
select
    *,
    {{ money('discount_amount + net_amount') }} as gross_amount,
    {{ seat_days_load_watermark() }} as built_through_load_id
from unassigned_rows
