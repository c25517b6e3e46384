{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='usage_date',
        on_schema_change='fail',
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
    or usage_date >= (select max(usage_date) - {{ var('lookback_days') }} from {{ this }})
    {% endif %}
),

costs as (
    select
        usage_date,
        cost_center_id,
        organization_name,
        repository_name,
        product,
        sku,
        unit_type,
        sum(quantity) as quantity,
        max(price_per_unit) as price_per_unit,
        sum(gross_amount) as gross_amount,
        sum(discount_amount) as discount_amount,
        sum(net_amount) as net_amount,
        count(*) as source_item_count,
        max(dlt_load_id) as last_dlt_load_id
    from items
    group by usage_date, cost_center_id, organization_name, repository_name, product, sku, unit_type
)

select
    {{ surrogate_key(['usage_date', 'cost_center_id', 'organization_name', 'repository_name', 'product', 'sku', 'unit_type']) }}
        as usage_cost_id,
    usage_date,
    cost_center_id,
    organization_name,
    {{ surrogate_key(['organization_name', 'repository_name']) }} as repository_id,
    repository_name,
    {{ surrogate_key(['product', 'sku']) }} as product_sku_id,
    product,
    sku,
    unit_type,
    {{ billing_unit('costs') }} as billing_unit,
    {{ is_seat_licence('costs') }} as is_seat_licence,
    quantity,
    price_per_unit,
    gross_amount,
    discount_amount,
    net_amount,
    source_item_count,
    last_dlt_load_id,
    (select max(dlt_load_id) from {{ ref('stg_github_billing__usage_items') }})
        as built_through_load_id
from costs
