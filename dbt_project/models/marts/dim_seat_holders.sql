-- Copilot seat holders (and users with Copilot usage but no seat seen), with their most
-- recent grant. '(unassigned)' holds billed licence dollars no seat snapshot explains.
with seat_days as (
    select * from {{ ref('int_copilot_seat_costs_allocated') }}
),

holders as (
    select
        billing_account_id,
        seat_holder_login,
        max(seat_holder_id) as seat_holder_id,
        min(granted_on) as first_granted_on,
        min(usage_date) as first_seat_date,
        max(usage_date) as last_seat_date,
        max(last_activity_at) as last_activity_at,
        count(distinct seat_key) as grants
    from seat_days
    group by billing_account_id, seat_holder_login
),

-- the billed grant of each holder's latest day (a holder may hold several grants that day);
-- joining on the latest day first keeps the ordering to a few rows per holder
current_grants as (
    select
        billing_account_id,
        seat_holder_login,
        current_plan_type,
        current_organization_name,
        current_cost_center_id
    from (
        select
            seat_days.billing_account_id,
            seat_days.seat_holder_login,
            seat_days.plan_type as current_plan_type,
            seat_days.organization_name as current_organization_name,
            seat_days.cost_center_id as current_cost_center_id,
            row_number() over (
                partition by seat_days.billing_account_id, seat_days.seat_holder_login
                order by seat_days.is_billed_grant desc, seat_days.seat_key
            ) as grant_rank
        from seat_days
        inner join holders
            on seat_days.billing_account_id = holders.billing_account_id
            and seat_days.seat_holder_login = holders.seat_holder_login
            and seat_days.usage_date = holders.last_seat_date
    ) as ranked
    where grant_rank = 1
),

usage_only as (
    -- users with Copilot usage but no seat in any snapshot (removed before the first one)
    select distinct usage.billing_account_id, usage.seat_holder_login
    from {{ ref('int_copilot_user_usage_attributed') }} as usage
    where not exists (
        select 1
        from holders
        where holders.billing_account_id = usage.billing_account_id
            and holders.seat_holder_login = usage.seat_holder_login
    )
)

select
    holders.billing_account_id,
    holders.seat_holder_login,
    holders.seat_holder_login = '(unassigned)' as is_unassigned,
    holders.seat_holder_id,
    current_grants.current_plan_type,
    current_grants.current_organization_name,
    current_grants.current_cost_center_id,
    holders.first_granted_on,
    holders.first_seat_date,
    holders.last_seat_date,
    holders.last_activity_at,
    holders.grants
from holders
inner join current_grants using (billing_account_id, seat_holder_login)
union all
select
    billing_account_id,
    seat_holder_login,
    false as is_unassigned,
    cast(null as bigint) as seat_holder_id,
    cast(null as {{ dbt.type_string() }}) as current_plan_type,
    cast(null as {{ dbt.type_string() }}) as current_organization_name,
    cast(null as {{ dbt.type_string() }}) as current_cost_center_id,
    cast(null as date) as first_granted_on,
    cast(null as date) as first_seat_date,
    cast(null as date) as last_seat_date,
    cast(null as timestamp) as last_activity_at,
    0 as grants
from usage_only
