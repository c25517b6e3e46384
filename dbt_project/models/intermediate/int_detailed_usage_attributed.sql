-- The detailed usage report with the cost center's id resolved from the name it carries.
with usage as (
    select * from {{ ref('stg_github_billing__detailed_usage') }}
)

select
    usage.*,
    coalesce(names.cost_center_id, 'unresolved:' || usage.cost_center_name) as cost_center_id
from usage
left join {{ ref('int_cost_center_names_resolved') }} as names
    on names.cost_center_name = usage.cost_center_name
qualify row_number() over (
    partition by usage.detailed_usage_id
    order by usage.usage_date <= names.attributes_until desc, names.cost_center_state = 'active' desc,
        names.cost_center_id
) = 1
