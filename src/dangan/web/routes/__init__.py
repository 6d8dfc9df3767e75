"""One module per noun: auth (login/logout/language), tasks, batches, progress, volumes,
users, and the JSON API."""
