"""Citizen satisfaction: a one-question survey after the agency's answer."""
