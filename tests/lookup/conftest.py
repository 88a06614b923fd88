from tests.inbox.factories import client

__all__ = ["client"]
