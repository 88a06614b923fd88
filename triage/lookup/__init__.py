"""Citizen lookup of a ticket by its code and the last four digits of the phone."""
