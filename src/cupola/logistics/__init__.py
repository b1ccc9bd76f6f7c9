"""Logistics between raids: interceptor production, resupply of the batteries, reloads."""

from cupola.logistics.base import Stocks, SupplyParams
from cupola.logistics.supply import resupply, share

__all__ = ["Stocks", "SupplyParams", "resupply", "share"]
