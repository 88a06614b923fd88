"""Operator actions: the review queue, routing by hand, re-routing, closing."""
