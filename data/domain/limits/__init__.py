"""DER operating limits (pure): values, the approval state machine, cut-off timing, automation, aggregation.

Modules, each importable on its own (no framework imports anywhere in the package):
- ``values``: hourly export/import maxima of one DER or resource for one trade date.
- ``state_machine``: statuses, decisions and the tri-level approval chain.
- ``timing``: the approval cut-off, countdown and urgency.
- ``automation``: auto-approve / flag rules, every outcome explained in sentences.
- ``aggregation``: approved limits summed per T/D connection point and hour (the IESO view).
"""
