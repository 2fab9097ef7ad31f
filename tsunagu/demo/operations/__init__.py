"""A year of operation in the demo data, written after the customers and policies of a load.

- `cases`, `documents`, `faq`: cases of every type with their timelines, the documents they issued,
  and the FAQ articles inquiries use (`cases.demo_operations_load`).
- `identity`, `access_log`: source systems with duplicates and a match run, and 90 days of access log.
"""
