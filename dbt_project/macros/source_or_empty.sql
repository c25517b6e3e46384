{#- A raw table, or an empty one of the same shape when dlt has not created it yet: dlt makes a
    table only once it has rows, and an enterprise may have no cost centers, no Copilot seats,
    or no usage before 2026-06-01 (so no premium-request table). The column list is the raw
    tables' contract, as pipelines/github_billing/resources.py writes them. -#}
{% macro source_or_empty(source_name, table_name) -%}
    {%- set relation = source(source_name, table_name) -%}
    {#- in unit tests source() names the fixture's CTE: use it as is -#}
    {%- if execute and model.resource_type != 'unit_test' and load_relation(relation) is none -%}
        {%- set columns = raw_table_columns(table_name) -%}
        select
        {%- for name, data_type in columns.items() %}
            cast(null as {{ data_type }}) as {{ name }}{% if not loop.last %},{% endif %}
        {%- endfor %}
        where false
    {%- else -%}
        select * from {{ relation }}
    {%- endif -%}
{%- endmacro %}

{% macro raw_table_columns(table_name) -%}
    {%- set money = 'decimal(38, 12)' -%}
    {%- set load = {'_dlt_id': 'varchar', '_dlt_load_id': 'varchar', 'extracted_at': 'timestamptz'} -%}
    {%- set casing = {
        'product': 'varchar', 'product_raw': 'varchar', 'sku': 'varchar', 'sku_raw': 'varchar',
        'unit_type': 'varchar', 'unit_type_raw': 'varchar'} -%}
    {%- set model_usage = {
        'usage_date': 'date', 'cost_center_id': 'varchar', 'cost_center_name': 'varchar',
        'model': 'varchar', 'price_per_unit': money, 'gross_quantity': money,
        'discount_quantity': money, 'net_quantity': money, 'gross_amount': money,
        'discount_amount': money, 'net_amount': money} -%}
    {%- set tables = {
        'billing_accounts': {
            'billing_account_id': 'varchar', 'billing_account_kind': 'varchar',
            'billing_account_name': 'varchar', 'api_base_url': 'varchar'},
        'usage_items': {
            'usage_date': 'date', 'date_raw': 'varchar', 'cost_center_id': 'varchar',
            'organization_name': 'varchar', 'repository_name': 'varchar',
            'repository_name_raw': 'varchar', 'quantity': money, 'price_per_unit': money,
            'gross_amount': money, 'discount_amount': money, 'net_amount': money},
        'premium_request_usage': model_usage,
        'ai_credit_usage': model_usage,
        'copilot_seats': {
            'snapshot_date': 'date', 'seat_key': 'varchar', 'assignee_login': 'varchar',
            'assignee_id': 'bigint', 'assignee_type': 'varchar', 'organization_login': 'varchar',
            'assigning_team_slug': 'varchar', 'assigning_team_name': 'varchar',
            'assigning_team_type': 'varchar', 'plan_type': 'varchar', 'created_at': 'timestamptz',
            'pending_cancellation_date': 'date', 'last_activity_at': 'timestamptz',
            'last_activity_editor': 'varchar', 'last_authenticated_at': 'timestamptz'},
        'cost_centers': {
            'id': 'varchar', 'name': 'varchar', 'state': 'varchar',
            'azure_subscription': 'varchar', 'ai_credit_pool_enabled': 'boolean',
            'ai_credit_pool_target_amount': money, 'ai_credit_pool_current_amount': money},
        'copilot_user_usage': {
            'usage_date': 'date', 'report_type': 'varchar', 'username': 'varchar',
            'organization': 'varchar', 'cost_center_name': 'varchar', 'model': 'varchar',
            'price_per_unit': money, 'quantity': money, 'gross_amount': money,
            'discount_amount': money, 'net_amount': money, 'exceeds_quota': 'boolean',
            'total_monthly_quota': money, 'total_monthly_quota_raw': 'varchar',
            'repository_name': 'varchar', 'aic_quantity': money, 'aic_gross_amount': money,
            'input_tokens': 'bigint', 'output_tokens': 'bigint', 'cache_read_tokens': 'bigint',
            'cache_write_tokens': 'bigint', 'is_transition_backfill': 'boolean'},
        'detailed_usage': {
            'usage_date': 'date', 'report_type': 'varchar', 'username': 'varchar',
            'organization': 'varchar', 'cost_center_name': 'varchar',
            'repository_name': 'varchar', 'workflow_path': 'varchar',
            'workflow_name': 'varchar', 'price_per_unit': money,
            'quantity': money, 'gross_amount': money, 'discount_amount': money,
            'net_amount': money},
        'cost_center_resources': {
            'cost_center_id': 'varchar', 'resource_type': 'varchar',
            'resource_type_raw': 'varchar', 'resource_name': 'varchar',
            '_dlt_valid_from': 'timestamptz', '_dlt_valid_to': 'timestamptz'},
        'budgets': {
            'snapshot_date': 'date', 'budget_id': 'varchar', 'budget_type': 'varchar',
            'budget_scope': 'varchar', 'budget_entity_name': 'varchar', 'budget_user': 'varchar',
            'budget_product_sku': 'varchar', 'budget_product_skus_raw': 'varchar',
            'budget_amount': money, 'prevent_further_usage': 'boolean', 'will_alert': 'boolean',
            'alert_recipients': 'varchar', 'consumed_amount': money, 'expires_at': 'timestamptz'},
        'budget_user_states': {
            'snapshot_date': 'date', 'budget_id': 'varchar', 'user_login': 'varchar',
            'consumed_amount': money, 'target_amount': money, 'override_budget_id': 'varchar'},
        'cost_center_pool_states': {
            'snapshot_date': 'date', 'cost_center_id': 'varchar', 'ai_credit_pool_enabled': 'boolean',
            'ai_credit_pool_target_amount': money, 'ai_credit_pool_current_amount': money},
    } -%}
    {%- set columns = dict(tables[table_name]) -%}
    {%- do columns.update(load) -%}
    {%- if table_name not in ('billing_accounts', 'copilot_seats', 'cost_centers', 'cost_center_resources', 'budgets', 'budget_user_states', 'cost_center_pool_states') -%}
        {%- do columns.update(casing) -%}
    {%- endif -%}
    {{ return(columns) }}
{%- endmacro %}
