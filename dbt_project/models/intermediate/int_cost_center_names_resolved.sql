-- Usage reports (CSV) name cost centers; the marts key them by id. Each name maps to its
-- cost centers with the last day each attributes, so a day picks the one active that day (a
-- deleted and a new cost center may share a name); '' is no cost center. Names are an
-- account's own: two accounts' cost centers may share one.
select
    billing_account_id,
    cost_center_name,
    cost_center_id,
    cost_center_state,
    coalesce(attribution_ends_on, date '9999-12-31') as attributes_until
from {{ ref('int_cost_centers_dated') }}
where cost_center_name is not null
union all
select billing_account_id, '' as cost_center_name, 'none' as cost_center_id, 'none' as cost_center_state,
    date '9999-12-31' as attributes_until
from {{ ref('stg_github_billing__billing_accounts') }}
