"""Services: the marketplace's verbs. They take the acting user, check, act and flush."""
