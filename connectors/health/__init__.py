"""The community-health platform (卫健): follow-up visits and area alerts, FHIR-shaped."""

from connectors.health.connector import Alerts, FollowUps, HealthConnector

__all__ = ["Alerts", "FollowUps", "HealthConnector"]
