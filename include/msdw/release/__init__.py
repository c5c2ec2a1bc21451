"""Official-statistics releases: an accessible workbook, CSVs and a manifest in ``releases/<release_id>/``.

``periods`` (periods and markers), ``tables`` (what each table counts, in SQL over ``marts.duckdb``), ``cells`` (the
figures and their markers), ``workbook`` (the gptables workbook, CSVs and ODS), ``vintages`` (release ids, revisions,
manifests, listing and verifying), ``build`` (making a release) and ``command`` (``msdw release``) hold the parts;
see ``docs/release.md``.
"""
