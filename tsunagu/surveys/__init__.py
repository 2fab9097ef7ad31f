"""Satisfaction surveys and NPS: definitions (versioned), triggers and suppression, invitations with
single-use web links, staff-entered and imported answers, results, and the follow-ups that close the loop."""
