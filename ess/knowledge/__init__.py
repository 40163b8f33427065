"""Knowledge base: the HR handbook and IT guides — articles, revisions, Korean search, acknowledgements."""
