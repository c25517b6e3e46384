{#- GitHub's product, SKU and unit of billing rows in their canonical names, beside GitHub's
    raw spellings, read from the catalogue seeds (github_spellings, github_skus) that the
    loader reads too (pipelines/github_billing/catalogue.py): `Copilot for Business` and
    `copilot_business` are both `copilot_for_business`, `GigabyteHours` and `gigabyte-hours`
    both `gigabyte_hours`. A spelling the catalogue does not know stays as GitHub spelled it,
    normalised; dim_products flags it. The product of a known SKU is the catalogue's.

    `catalogued(relation)` is a query: the relation's rows with the canonical names, joining
    each seed once (a lookup per row and column cost a subquery per row); select
    `catalogue_columns('that_cte')` from it. -#}
{% macro catalogued(relation) -%}
    select
        keyed.*,
        coalesce(skus.product, product_spellings.canonical, keyed.product_key) as canonical_product,
        coalesce(sku_spellings.canonical, keyed.sku_key) as canonical_sku,
        coalesce(unit_spellings.canonical, keyed.unit_key) as canonical_unit_type
    from (
        select
            {{ relation }}.*,
            {{ normalise_key('coalesce(' ~ relation ~ '.sku_raw, ' ~ relation ~ '.sku)') }} as sku_key,
            {{ normalise_key('coalesce(' ~ relation ~ '.product_raw, ' ~ relation ~ '.product)') }} as product_key,
            {{ normalise_key('coalesce(' ~ relation ~ '.unit_type_raw, ' ~ relation ~ '.unit_type)') }} as unit_key
        from {{ relation }}
    ) as keyed
    left join {{ ref('github_spellings') }} as sku_spellings
        on sku_spellings.kind = 'sku' and sku_spellings.spelling = keyed.sku_key
    left join {{ ref('github_skus') }} as skus
        on skus.sku = coalesce(sku_spellings.canonical, keyed.sku_key)
    left join {{ ref('github_spellings') }} as product_spellings
        on product_spellings.kind = 'product' and product_spellings.spelling = keyed.product_key
    left join {{ ref('github_spellings') }} as unit_spellings
        on unit_spellings.kind = 'unit' and unit_spellings.spelling = keyed.unit_key
{%- endmacro %}

{% macro catalogue_columns(relation) -%}
        {{ relation }}.canonical_product as product,
        {{ relation }}.product_raw,
        {{ relation }}.canonical_sku as sku,
        {{ relation }}.sku_raw,
        {{ relation }}.canonical_unit_type as unit_type,
        {{ relation }}.unit_type_raw
{%- endmacro %}
