"""The HTTP surface: GraphQL, health and metrics."""
