-- The billing accounts the store holds: an enterprise or an organization-scoped account each,
-- under its name in the store (`billing_account_id`, every raw row's account). Every other
-- mart carries billing_account_id; an account's organizations, cost centers and seat holders
-- are its own, even where another account's share their names.
select
    billing_account_id,
    billing_account_name,
    billing_account_kind,
    billing_account_login,
    api_base_url,
    extracted_at
from {{ ref('stg_github_billing__billing_accounts') }}
