{{ stage_model_usage('premium_request_usage') }}
