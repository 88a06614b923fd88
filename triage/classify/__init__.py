"""Topic and flag classification of complaints (issue 3)."""
