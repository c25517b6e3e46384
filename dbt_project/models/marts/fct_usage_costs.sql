{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='usage_date',
        on_schema_change='fail',
        event_time='usage_date',
    )
}}
-- Incremental on the load's rule: every run rebuilds the days of rows loaded since the last
-- build (a backfill of any period) and the last `lookback_days` days (GitHub restates them),
-- replacing those days whole. A full refresh yields the same table.
with items as (
    select * from {{ ref('stg_github_billing__usage_items') }}
    {% if is_incremental() %}
    where usage_date in (
        select usage_date
        from {{ ref('stg_github_billing__usage_items') }}
        where dlt_load_id > (select coalesce(max(last_dlt_load_id), '') from {{ this }})
    )
    or usage_date >= (
        select cast({{ dbt.dateadd('day', -var('lookback_days'), 'max(usage_date)') }} as date)
        from {{ this }}
    )
    {% endif %}
),

costs as (
    select
        billing_account_id,
        usage_date,
        cost_center_id,
        organization_name,
        repository_name,
        product,
        sku,
        unit_type,
        {{ money('sum(quantity)') }} as quantity,
        {{ money('max(price_per_unit)') }} as price_per_unit,
        {{ money('sum(gross_amount)') }} as gross_amount,
        {{ money('sum(discount_amount)') }} as discount_amount,
        {{ money('sum(net_amount)') }} as net_amount,
        count(*) as source_item_count,
        max(dlt_load_id) as last_dlt_load_id
    from items
    group by
        billing_account_id, usage_date, cost_center_id, organization_name, repository_name,
        product, sku, unit_type
)

select
    {{ surrogate_key(['costs.billing_account_id', 'costs.usage_date', 'costs.cost_center_id', 'costs.organization_name', 'costs.repository_name', 'costs.product', 'costs.sku', 'costs.unit_type']) }}
        as usage_cost_id,
    costs.billing_account_id,
    costs.usage_date,
    costs.cost_center_id,
    costs.organization_name,
    {{ surrogate_key(['costs.billing_account_id', 'costs.organization_name', 'costs.repository_name']) }}
        as repository_id,
    costs.repository_name,
    {{ surrogate_key(['costs.product', 'costs.sku']) }} as product_sku_id,
    costs.product,
    costs.sku,
    costs.unit_type,
    {{ billing_unit('costs') }} as billing_unit,
    {{ is_seat_licence() }} as is_seat_licence,
    costs.quantity,
    costs.price_per_unit,
    costs.gross_amount,
    costs.discount_amount,
    costs.net_amount,
    costs.source_item_count,
    costs.last_dlt_load_id,
    (select max(dlt_load_id) from {{ ref('stg_github_billing__usage_items') }})
        as built_through_load_id
from costs
left join {{ ref('github_skus') }} as skus on skus.sku = costs.sku
