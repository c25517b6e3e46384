{{ stage_model_usage('ai_credit_usage') }}
