"""Who may see what: principals, API keys, JWTs, rate limits, trusted documents, audit.

The graph side (which fields need which scopes, masking, row filters) is in
``schema.security``; this package holds what does not depend on the graph. Like
``hub.registry`` and ``hub.db``, its modules are imported directly: ``hub.config``
reads ``hub.security.settings``, and re-exporting the rest here would import the
graph into the settings.
"""
