{{ latest_accepted_model('stg_cps__defendants') }}
