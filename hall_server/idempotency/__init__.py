"""Retries that cannot act twice: the `Idempotency-Key` header on state-changing POSTs.

The first answer to a key is stored in the same transaction as the change it answers, so a client that lost
the answer (timeout, cut connection) gets that answer again instead of a second ticket, call or booking.
"""
