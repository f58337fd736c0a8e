"""The one wire contract: pydantic models for every REST body and WebSocket message.

Imports nothing but pydantic and the standard library, so the kiosk, counter, display, device tools and tests
can use it without the server's dependencies.
"""

SCHEMA_VERSION = 1
