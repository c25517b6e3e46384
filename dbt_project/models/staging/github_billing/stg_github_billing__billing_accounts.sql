with source as (
    select * from {{ source('github_billing', 'billing_accounts') }}
),

renamed as (
    select
        billing_account_id,
        billing_account_kind,
        billing_account_name,
        -- the enterprise slug or organization login; older rows have none: their id was it
        coalesce(billing_account_login, billing_account_id) as billing_account_login,
        api_base_url,
        {{ utc_timestamp('extracted_at') }} as extracted_at
    from source
)

select * from renamed
