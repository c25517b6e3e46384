-- Copilot licence dollars per holder and day (the allocated share of the billed lines).
-- Per-user premium-request and AI-credit spend needs GitHub's report exports and is not in
-- GitHub's JSON endpoints.
select
    {{ surrogate_key(['usage_date', 'seat_holder_login']) }} as daily_seat_holder_cost_id,
    usage_date,
    seat_holder_login,
    count(*) filter (where is_billed_grant and not is_unassigned) as billed_seats,
    bool_and(is_idle) as is_idle,
    sum(gross_amount) as gross_amount,
    sum(discount_amount) as discount_amount,
    sum(net_amount) as net_amount,
    sum(list_price_estimate_amount) as list_price_estimate_amount
from {{ ref('fct_copilot_seat_days') }}
group by usage_date, seat_holder_login
