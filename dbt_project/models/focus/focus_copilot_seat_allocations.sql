-- FOCUS 1.3 split cost allocation of GitHub's Copilot seat licence lines to the seat holders
-- (fct_copilot_seat_days): each licence line of focus_cost_and_usage becomes one row per billed
-- seat-day with the Allocated* columns set, plus an `(unassigned)` row where GitHub billed a
-- seat no snapshot explains (AllocatedResourceId null: the unallocated portion). The rows add up
-- to the licence lines to the cent: they replace those lines, never add to them.
with focus_lines as (
    select * from {{ ref('focus_cost_and_usage') }}
),

usage_costs as (
    select * from {{ ref('fct_usage_costs') }}
),

seat_days as (
    select * from {{ ref('fct_copilot_seat_days') }}
    where cost_source in ('billed', 'unassigned')
),

allocated as (
    select
        usage_costs.usage_cost_id,
        usage_costs.quantity as line_quantity,
        seat_days.seat_day_id,
        seat_days.seat_holder_login,
        seat_days.organization_name,
        seat_days.assigning_team_slug,
        seat_days.plan_type,
        seat_days.attribution_rule,
        seat_days.is_idle,
        seat_days.is_unassigned,
        seat_days.gross_amount,
        seat_days.discount_amount,
        seat_days.net_amount,
        count(*) over (partition by usage_costs.usage_cost_id) as seat_days_on_line
    from seat_days
    inner join usage_costs
        on usage_costs.billing_account_id = seat_days.billing_account_id
        and usage_costs.usage_date = seat_days.usage_date
        and usage_costs.organization_name = seat_days.organization_name
        and usage_costs.cost_center_id = seat_days.cost_center_id
        and usage_costs.sku = seat_days.sku
        and usage_costs.is_seat_licence
),

shares as (
    select
        allocated.*,
        {{ money('1.0 / seat_days_on_line') }} as allocated_ratio,
        {{ money('line_quantity / seat_days_on_line') }} as allocated_quantity
    from allocated
),

final as (
    select
        {{ dbt.concat([
            "'{\"Elements\":['",
            json_object_text([
                ('AllocatedRatio', 'shares.allocated_ratio'),
                ('UsageUnit', "'Seat-Days'"),
                ('UsageQuantity', '1'),
            ]),
            "']}'",
        ]) }} as "AllocatedMethodDetails",
        'github-billing:copilot-seat-days-even-split' as "AllocatedMethodId",
        case when not shares.is_unassigned then shares.seat_holder_login end as "AllocatedResourceId",
        case when not shares.is_unassigned then shares.seat_holder_login end as "AllocatedResourceName",
        {{ json_object_text([
            ('github/seat-holder', 'case when not shares.is_unassigned then shares.seat_holder_login end'),
            ('github/granting-team', "nullif(shares.assigning_team_slug, '')"),
            ('github/plan', 'shares.plan_type'),
            ('github/attribution-rule', 'shares.attribution_rule'),
            ('github/idle', 'shares.is_idle'),
        ]) }} as "AllocatedTags",
        shares.net_amount as "BilledCost",
        focus_lines."BillingAccountId",
        focus_lines."BillingAccountName",
        focus_lines."BillingAccountType",
        focus_lines."BillingCurrency",
        focus_lines."BillingPeriodEnd",
        focus_lines."BillingPeriodStart",
        focus_lines."ChargeCategory",
        focus_lines."ChargeClass",
        focus_lines."ChargeDescription",
        focus_lines."ChargeFrequency",
        focus_lines."ChargePeriodEnd",
        focus_lines."ChargePeriodStart",
        focus_lines."CommitmentDiscountStatus",
        shares.allocated_quantity as "ConsumedQuantity",
        focus_lines."ConsumedUnit",
        shares.gross_amount as "ContractedCost",
        focus_lines."ContractedUnitPrice",
        shares.net_amount as "EffectiveCost",
        focus_lines."HostProviderName",
        focus_lines."InvoiceId",
        focus_lines."InvoiceIssuerName",
        shares.gross_amount as "ListCost",
        focus_lines."ListUnitPrice",
        focus_lines."PricingCategory",
        focus_lines."PricingCurrency",
        focus_lines."PricingCurrencyContractedUnitPrice",
        shares.net_amount as "PricingCurrencyEffectiveCost",
        focus_lines."PricingCurrencyListUnitPrice",
        shares.allocated_quantity as "PricingQuantity",
        focus_lines."PricingUnit",
        focus_lines."ProviderName",
        focus_lines."PublisherName",
        focus_lines."ResourceId",
        focus_lines."ResourceName",
        focus_lines."ResourceType",
        focus_lines."ServiceCategory",
        focus_lines."ServiceName",
        focus_lines."ServiceProviderName",
        focus_lines."ServiceSubcategory",
        focus_lines."SkuId",
        focus_lines."SkuMeter",
        focus_lines."SkuPriceDetails",
        focus_lines."SkuPriceId",
        focus_lines."SubAccountId",
        focus_lines."SubAccountName",
        focus_lines."SubAccountType",
        focus_lines."Tags",
        focus_lines."x_UsageCostId",
        focus_lines."x_CostCenterId",
        focus_lines."x_CostCenterName",
        focus_lines."x_BillingUnit",
        focus_lines."x_IsSeatLicence",
        focus_lines."x_Model",
        shares.discount_amount as "x_DiscountAmount",
        focus_lines."x_UsageDate",
        shares.seat_day_id as "x_SeatDayId"
    from shares
    inner join focus_lines on focus_lines."x_UsageCostId" = shares.usage_cost_id
)

select * from final
