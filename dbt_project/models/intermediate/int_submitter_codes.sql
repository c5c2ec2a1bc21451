-- Generated from msdw.sources by `make generate`: change the source descriptions, then regenerate.

select
    'police' as source,
    force_code as submitter_code
from {{ ref('forces') }}
