-- Copilot seat holders (and users with Copilot usage but no seat seen), with their most
-- recent grant. '(unassigned)' holds billed licence
-- dollars no seat snapshot explains.
with seat_days as (
    select * from {{ ref('int_copilot_seat_costs_allocated') }}
),

usage_only as (
    -- users with Copilot usage but no seat in any snapshot (removed before the first one)
    select distinct seat_holder_login
    from {{ ref('int_copilot_user_usage_attributed') }}
    where seat_holder_login not in (select seat_holder_login from seat_days)
)

select
    seat_holder_login,
    seat_holder_login = '(unassigned)' as is_unassigned,
    max(seat_holder_id) as seat_holder_id,
    -- the billed grant of the latest day (a holder may hold several grants that day)
    first(plan_type order by usage_date desc, is_billed_grant desc, seat_key)
        as current_plan_type,
    first(organization_name order by usage_date desc, is_billed_grant desc, seat_key)
        as current_organization_name,
    first(cost_center_id order by usage_date desc, is_billed_grant desc, seat_key)
        as current_cost_center_id,
    min(granted_on) as first_granted_on,
    min(usage_date) as first_seat_date,
    max(usage_date) as last_seat_date,
    max(last_activity_at) as last_activity_at,
    count(distinct seat_key) as grants
from seat_days
group by seat_holder_login
union all by name
select seat_holder_login, false as is_unassigned, 0 as grants
from usage_only
