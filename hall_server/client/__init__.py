"""A small typed client for the hall server's REST API and live feed, on the shared contract only.

    client = HallClient("http://127.0.0.1:8000", token=...)      # or HallClient.login(url, login, password)
    ticket = client.issue_ticket(IssueTicketRequest(category_code="SOCIAL_AFFAIRS"))

    async with LiveFeed("ws://127.0.0.1:8000/ws", token, ["display"]) as feed:
        async for message in feed:       # SnapshotMessage first, then EventMessage in seq order
            ...

Errors come back as ApiError with the server's machine-readable code and Chinese message.
State-changing calls carry a fresh Idempotency-Key and are sent again with the same key after a timeout or a
cut connection, so a retry never issues a second ticket, calls twice or books twice.
"""

from hall_server.client.http import ApiError, HallClient, token_refusal
from hall_server.client.live import LiveFeed

__all__ = ["ApiError", "HallClient", "LiveFeed", "token_refusal"]
