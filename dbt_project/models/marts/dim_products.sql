-- Product and SKU pairs billed in usage or Copilot model usage, with every raw spelling GitHub
-- used for them.
with seen as (
    select product, sku, unit_type, product_raw, sku_raw
    from {{ ref('stg_github_billing__usage_items') }}
    union all
    select product, sku, unit_type, product_raw, sku_raw
    from {{ ref('stg_github_billing__premium_request_usage') }}
    union all
    select product, sku, unit_type, product_raw, sku_raw
    from {{ ref('stg_github_billing__ai_credit_usage') }}
    union all
    select product, sku, unit_type, product_raw, sku_raw
    from {{ ref('stg_github_billing__copilot_user_usage') }}
    union all
    select product, sku, unit_type, product_raw, sku_raw
    from {{ ref('stg_github_billing__detailed_usage') }}
    union all
    select 'copilot', sku, 'usermonths', null, null from {{ ref('copilot_plan_skus') }}
)

select
    {{ surrogate_key(['product', 'sku']) }} as product_sku_id,
    product,
    sku,
    string_agg(distinct unit_type, ', ' order by unit_type) as unit_types,
    string_agg(distinct product_raw, ', ' order by product_raw) as product_raw_spellings,
    string_agg(distinct sku_raw, ', ' order by sku_raw) as sku_raw_spellings,
    product = 'copilot' and bool_or(unit_type = 'usermonths') as is_licence
from seen
group by product, sku
