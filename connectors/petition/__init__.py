"""The 12345 hotline and petitions system (信访/12345): work orders by community."""

from connectors.petition.connector import PetitionConnector, WorkOrders

__all__ = ["PetitionConnector", "WorkOrders"]
