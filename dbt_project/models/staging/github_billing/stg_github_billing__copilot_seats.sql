with source as (
    select * from {{ source('github_billing', 'copilot_seats') }}
),

renamed as (
    select
        billing_account_id,
        {{ surrogate_key(['billing_account_id', 'snapshot_date', 'seat_key']) }} as seat_snapshot_id,
        snapshot_date,
        seat_key,
        lower(assignee_login) as seat_holder_login,
        assignee_login as seat_holder_login_raw,
        assignee_id as seat_holder_id,
        assignee_type as seat_holder_type,
        -- '' for none, which PostgreSQL's COPY reads as NULL (see stg usage_items)
        coalesce(organization_login, '') as organization_name,
        coalesce(assigning_team_slug, '') as assigning_team_slug,
        assigning_team_name,
        assigning_team_type,
        coalesce(assigning_team_type in ('enterprise-team', 'enterprise_team', 'enterprise'), false)
            as is_enterprise_team_grant,
        coalesce(lower(plan_type), 'unknown') as plan_type,
        {{ utc_timestamp('created_at') }} as granted_at,
        pending_cancellation_date,
        {{ utc_timestamp('last_activity_at') }} as last_activity_at,
        last_activity_editor,
        {{ utc_timestamp('last_authenticated_at') }} as last_authenticated_at,
        {{ utc_timestamp('extracted_at') }} as extracted_at,
        _dlt_load_id as dlt_load_id
    from source
)

select * from renamed
