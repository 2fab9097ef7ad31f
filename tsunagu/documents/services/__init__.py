"""Document services, by stage. The certificate batch: `selection` (which holders, their facts),
`rendering` (amounts and sheets of a chunk), `processes` (worker processes that draw), `registration`
(one transaction per chunk), `exceptions` (the skipped-items report), `certificate_batch` (the
lifecycle, on `tsunagu.core.jobs`). `records` holds the plain rows they pass along. Contract-notice
mailing lists for agencies: `mailing_lists`."""
