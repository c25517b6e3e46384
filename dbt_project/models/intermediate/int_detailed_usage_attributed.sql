-- The detailed usage report with the cost center's id resolved from the name it carries.
with usage as (
    select * from {{ ref('stg_github_billing__detailed_usage') }}
),

resolved as (
    {{ resolve_cost_center('usage', 'detailed_usage_id') }}
)

select * from resolved
