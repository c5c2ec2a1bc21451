{{ latest_accepted_model('stg_glaa__inspections') }}
