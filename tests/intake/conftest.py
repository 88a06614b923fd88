"""Intake is tested as an operator submitting and importing (bearer token)."""

from tests.factories.api import client_fixture

client = client_fixture(role="operator")
