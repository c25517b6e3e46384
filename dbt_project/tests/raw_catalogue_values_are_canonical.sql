-- The loader is the one place that spells GitHub's products, SKUs and units the catalogue's way
-- (pipelines/github_billing/contract.py), so staging passes the raw tables' values through: each
-- distinct value must already be normalised (lower snake case), must not be a spelling the
-- catalogue maps to another name, and a known SKU must carry the catalogue's product. A row
-- loaded before a catalogue change is re-spelled by the next load (recanonicalise).
{%- set tables = ['usage_items', 'premium_request_usage', 'ai_credit_usage', 'copilot_user_usage', 'detailed_usage'] %}
with billed as (
    {%- for table in tables %}
    select distinct '{{ table }}' as raw_table, product, sku, unit_type
    from {{ source('github_billing', table) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

named as (
    select raw_table, 'product' as kind, product as value from billed
    union all
    select raw_table, 'sku' as kind, sku as value from billed
    union all
    select raw_table, 'unit' as kind, unit_type as value from billed
),

misspelled as (
    select named.raw_table, named.kind, named.value, spellings.canonical as expected
    from named
    left join {{ ref('github_spellings') }} as spellings
        on spellings.kind = named.kind and spellings.spelling = named.value
    where named.value is null
        or named.value <> lower(trim(named.value))
        or named.value like '% %'
        or named.value like '%-%'
        or (spellings.canonical is not null and spellings.canonical <> named.value)
),

wrong_product as (
    select billed.raw_table, 'product' as kind, billed.product as value, skus.product as expected
    from billed
    inner join {{ ref('github_skus') }} as skus on skus.sku = billed.sku
    where billed.product <> skus.product
)

select * from misspelled
union all
select * from wrong_product
