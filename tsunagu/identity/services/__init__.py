"""Every write of identity resolution: import, matching, review, merge and unmerge."""
