"""Open data: CSV files of the main marts for public release, under statistical disclosure control.

The rules follow UK official-statistics practice (GSS guidance):

- A count from 1 to 4 is shown as ``[c]`` (primary suppression). Totals are counts too.
- Secondary suppression: every published additive relation (a row or column with its total, a count with a subset
  of it, the same figure published in two files) is a "line". A line with exactly one suppressed cell would give
  that cell away, so the smallest other non-zero cell of the line is suppressed too, until no line has exactly one.
  The result is then audited as a linear system: a suppressed cell that the published figures still determine
  exactly (for example through a chain of lines) gets a further complementary suppression, until none does.
- Zeros are shown. A zero is not disclosive here: it identifies nobody, and many zeros are structural (an agency
  that does not report a figure has 0 for it) so hiding them would protect nothing. For the same reason a zero is
  never chosen as a complementary suppression.
- A rate whose numerator or denominator is suppressed is ``[c]``; a rate with a zero denominator is ``[z]``
  (not applicable).
- Text beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with a single quote, so a
  spreadsheet does not run it as a formula. Numbers are written by msdw itself and are left as numbers.

Granularity: every file is by calendar year, because monthly cells for a force, a nationality or a CPS Area are
mostly below 5. Each year is a separate table with its own totals (rows ``ALL``); no total across years is
published. ``mart_monthly_summary`` is published by year and agency without ``operations_live``, which counts a
stock of operations per month and cannot be added up over a year. Money recovered for workers is an amount of
money, not a count of people, and is shown as it is.

Modules: :mod:`msdw.open_data.tables` (the published tables and the figures they share),
:mod:`msdw.open_data.disclosure` (choosing the cells to suppress) and :mod:`msdw.open_data.write` (the CSV files).
"""
