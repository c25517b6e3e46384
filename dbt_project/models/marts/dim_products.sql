-- Every product and SKU of the catalogue (seeds/github_skus.csv) and every pair billed in the
-- raw data, with each raw spelling GitHub used for them. A billed SKU or unit the catalogue does
-- not know is kept as GitHub spelled it (normalised) and flagged (`is_known_sku`,
-- `has_unknown_unit`): the run summary names it.
with seen as (
    select product, sku, unit_type, product_raw, sku_raw, unit_type_raw
    from {{ ref('stg_github_billing__usage_items') }}
    union all
    select product, sku, unit_type, product_raw, sku_raw, unit_type_raw
    from {{ ref('stg_github_billing__premium_request_usage') }}
    union all
    select product, sku, unit_type, product_raw, sku_raw, unit_type_raw
    from {{ ref('stg_github_billing__ai_credit_usage') }}
    union all
    select product, sku, unit_type, product_raw, sku_raw, unit_type_raw
    from {{ ref('stg_github_billing__copilot_user_usage') }}
    union all
    select product, sku, unit_type, product_raw, sku_raw, unit_type_raw
    from {{ ref('stg_github_billing__detailed_usage') }}
),

catalogue as (
    select * from {{ ref('github_skus') }}
),

known_units as (
    select unit_type from catalogue
    union
    select canonical from {{ ref('github_spellings') }} where kind = 'unit'
),

pairs as (
    select product, sku from seen
    union
    select product, sku from catalogue
),

unit_types as (
    {{ distinct_list('seen', ['product', 'sku'], 'unit_type', 'unit_types') }}
),

product_raw_spellings as (
    {{ distinct_list('seen', ['product', 'sku'], 'product_raw', 'product_raw_spellings') }}
),

sku_raw_spellings as (
    {{ distinct_list('seen', ['product', 'sku'], 'sku_raw', 'sku_raw_spellings') }}
),

unit_type_raw_spellings as (
    {{ distinct_list('seen', ['product', 'sku'], 'unit_type_raw', 'unit_type_raw_spellings') }}
),

spellings as (
    select
        billed.product,
        billed.sku,
        unit_types.unit_types,
        product_raw_spellings.product_raw_spellings,
        sku_raw_spellings.sku_raw_spellings,
        unit_type_raw_spellings.unit_type_raw_spellings,
        billed.has_unknown_unit
    from (
        select
            product,
            sku,
            {{ dbt.bool_or('unit_type not in (select unit_type from known_units)') }} as has_unknown_unit
        from seen
        group by product, sku
    ) as billed
    {%- for list in ['unit_types', 'product_raw_spellings', 'sku_raw_spellings', 'unit_type_raw_spellings'] %}
    left join {{ list }}
        on {{ list }}.product is not distinct from billed.product
        and {{ list }}.sku is not distinct from billed.sku
    {%- endfor %}
)

select
    {{ surrogate_key(['pairs.product', 'pairs.sku']) }} as product_sku_id,
    pairs.product,
    pairs.sku,
    catalogue.display_name,
    catalogue.billing_unit,
    coalesce(spellings.unit_types, catalogue.unit_type) as unit_types,
    spellings.product_raw_spellings,
    spellings.sku_raw_spellings,
    spellings.unit_type_raw_spellings,
    coalesce(catalogue.billing_unit = 'licence', false) as is_licence,
    coalesce(catalogue.is_seat_licence, false) as is_seat_licence,
    catalogue.plan_type,
    catalogue.service_name,
    catalogue.service_category,
    catalogue.service_subcategory,
    catalogue.sku is not null as is_known_sku,
    coalesce(spellings.has_unknown_unit, false) as has_unknown_unit,
    spellings.sku is not null as is_billed
from pairs
left join catalogue on catalogue.sku = pairs.sku and catalogue.product = pairs.product
left join spellings on spellings.product = pairs.product and spellings.sku = pairs.sku
