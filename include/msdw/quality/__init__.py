"""Data quality: the return gate, the mart gate, their Great Expectations suites and contexts, and Data Docs.

- :mod:`msdw.quality.context`: the GX contexts both gates validate in.
- :mod:`msdw.quality.returns` and :mod:`msdw.quality.failures`: the return gate (a suite per raw table, from its
  description) and its failures in plain words.
- :mod:`msdw.quality.marts`, :mod:`msdw.quality.reconcile` and :mod:`msdw.quality.mart_gate`: the mart gate (a suite
  per published table, totals reconciled with the raw zone) and running it before a publish.
- :mod:`msdw.quality.suites`: every suite as committed JSON; :mod:`msdw.quality.docs`: Data Docs.
"""
