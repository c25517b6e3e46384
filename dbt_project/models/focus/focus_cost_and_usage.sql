-- GitHub's bill as FOCUS 1.3 Cost and Usage rows: every fct_usage_costs line once. A view, so
-- nightly builds cost nothing and the export always reads the current marts. Column choices
-- and their reasons: README, "FOCUS export".
with usage_costs as (
    select * from {{ ref('fct_usage_costs') }}
),

products as (
    select * from {{ ref('dim_products') }}
),

cost_centers as (
    select * from {{ ref('dim_cost_centers') }}
),

billing_accounts as (
    select * from {{ ref('dim_billing_accounts') }}
),

-- A line's workflow is known when GitHub's detailed report puts all of it under one workflow.
single_workflows as (
    select
        billing_account_id, usage_date, cost_center_id, organization_name, repository_name, sku,
        min(workflow_path) as workflow_path
    from {{ ref('fct_actions_usage_by_workflow') }}
    where workflow_path <> ''
    group by billing_account_id, usage_date, cost_center_id, organization_name, repository_name, sku
    having count(distinct workflow_path) = 1
),

-- Likewise a Copilot line's model: when that day's usage of the SKU in the cost center is one model.
single_models as (
    select billing_account_id, usage_date, cost_center_id, sku, min(model_name) as model_name
    from {{ ref('fct_copilot_model_usage') }}
    group by billing_account_id, usage_date, cost_center_id, sku
    having count(distinct model_name) = 1
),

lines as (
    select
        usage_costs.*,
        coalesce(products.display_name, usage_costs.sku) as sku_display_name,
        coalesce(products.service_name, usage_costs.product) as service_name,
        coalesce(products.service_category, 'Other') as service_category,
        coalesce(products.service_subcategory, 'Other (Other)') as service_subcategory,
        cost_centers.cost_center_name,
        single_workflows.workflow_path,
        single_models.model_name,
        -- a repository is `org/name` everywhere on GitHub: its id, unique within the host
        case
            when usage_costs.repository_name = '' then null
            when usage_costs.repository_name like '%/%' then usage_costs.repository_name
            else {{ dbt.concat(['usage_costs.organization_name', "'/'", 'usage_costs.repository_name']) }}
        end as resource_id,
        {{ dbt.date_trunc('month', 'usage_costs.usage_date') }} as billing_month
    from usage_costs
    left join products using (product_sku_id)
    left join cost_centers using (billing_account_id, cost_center_id)
    left join single_workflows
        on single_workflows.billing_account_id = usage_costs.billing_account_id
        and single_workflows.usage_date = usage_costs.usage_date
        and single_workflows.cost_center_id = usage_costs.cost_center_id
        and single_workflows.organization_name = usage_costs.organization_name
        and single_workflows.repository_name = usage_costs.repository_name
        and single_workflows.sku = usage_costs.sku
    left join single_models
        on single_models.billing_account_id = usage_costs.billing_account_id
        and single_models.usage_date = usage_costs.usage_date
        and single_models.cost_center_id = usage_costs.cost_center_id
        and single_models.sku = usage_costs.sku
),

final as (
    select
        cast(null as {{ dbt.type_string() }}) as "AllocatedMethodDetails",
        cast(null as {{ dbt.type_string() }}) as "AllocatedMethodId",
        cast(null as {{ dbt.type_string() }}) as "AllocatedResourceId",
        cast(null as {{ dbt.type_string() }}) as "AllocatedResourceName",
        cast(null as {{ dbt.type_string() }}) as "AllocatedTags",
        lines.net_amount as "BilledCost",
        billing_accounts.billing_account_id as "BillingAccountId",
        billing_accounts.billing_account_name as "BillingAccountName",
        case billing_accounts.billing_account_kind
            when 'organization' then 'Organization'
            else 'Enterprise'
        end as "BillingAccountType",
        'USD' as "BillingCurrency",
        cast({{ dbt.dateadd('month', 1, 'lines.billing_month') }} as {{ dbt.type_timestamp() }}) as "BillingPeriodEnd",
        cast(lines.billing_month as {{ dbt.type_timestamp() }}) as "BillingPeriodStart",
        'Usage' as "ChargeCategory",
        cast(null as {{ dbt.type_string() }}) as "ChargeClass",
        {{ dbt.concat(['lines.sku_display_name', "' ('", focus_unit('lines.unit_type'), "')'"]) }} as "ChargeDescription",
        'Usage-Based' as "ChargeFrequency",
        cast({{ dbt.dateadd('day', 1, 'lines.usage_date') }} as {{ dbt.type_timestamp() }}) as "ChargePeriodEnd",
        cast(lines.usage_date as {{ dbt.type_timestamp() }}) as "ChargePeriodStart",
        cast(null as {{ dbt.type_string() }}) as "CommitmentDiscountStatus",
        lines.quantity as "ConsumedQuantity",
        {{ focus_unit('lines.unit_type') }} as "ConsumedUnit",
        lines.gross_amount as "ContractedCost",
        lines.price_per_unit as "ContractedUnitPrice",
        lines.net_amount as "EffectiveCost",
        case when lines.billing_unit = 'licence' then 'Not Applicable' else 'GitHub' end as "HostProviderName",
        cast(null as {{ dbt.type_string() }}) as "InvoiceId",
        'GitHub' as "InvoiceIssuerName",
        lines.gross_amount as "ListCost",
        lines.price_per_unit as "ListUnitPrice",
        'Standard' as "PricingCategory",
        'USD' as "PricingCurrency",
        lines.price_per_unit as "PricingCurrencyContractedUnitPrice",
        lines.net_amount as "PricingCurrencyEffectiveCost",
        lines.price_per_unit as "PricingCurrencyListUnitPrice",
        lines.quantity as "PricingQuantity",
        {{ focus_unit('lines.unit_type') }} as "PricingUnit",
        'GitHub' as "ProviderName",
        'GitHub' as "PublisherName",
        lines.resource_id as "ResourceId",
        case
            when lines.resource_id is not null
                then substring(lines.resource_id from position('/' in lines.resource_id) + 1)
        end as "ResourceName",
        case when lines.repository_name <> '' then 'Repository' end as "ResourceType",
        lines.service_category as "ServiceCategory",
        lines.service_name as "ServiceName",
        'GitHub' as "ServiceProviderName",
        lines.service_subcategory as "ServiceSubcategory",
        lines.sku as "SkuId",
        lines.sku_display_name as "SkuMeter",
        cast(null as {{ dbt.type_string() }}) as "SkuPriceDetails",
        lines.sku as "SkuPriceId",
        nullif(lines.organization_name, '') as "SubAccountId",
        nullif(lines.organization_name, '') as "SubAccountName",
        case when lines.organization_name <> '' then 'Organization' end as "SubAccountType",
        {{ json_object_text([
            ('github/cost-center', "case when lines.cost_center_id <> 'none' then lines.cost_center_name end"),
            ('github/repository', 'lines.resource_id'),
            ('github/workflow', 'lines.workflow_path'),
        ]) }} as "Tags",
        lines.usage_cost_id as "x_UsageCostId",
        lines.cost_center_id as "x_CostCenterId",
        lines.cost_center_name as "x_CostCenterName",
        lines.billing_unit as "x_BillingUnit",
        lines.is_seat_licence as "x_IsSeatLicence",
        lines.model_name as "x_Model",
        lines.discount_amount as "x_DiscountAmount",
        lines.usage_date as "x_UsageDate"
    from lines
    -- each line's own account, never another's
    inner join billing_accounts using (billing_account_id)
)

select * from final
