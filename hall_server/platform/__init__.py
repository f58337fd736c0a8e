"""The platform side of hall-sync/1, for development and testing: `yimen platform serve`.

A reference receiver that checks what the hall sends the way a provincial platform would (signature,
timestamp, nonce, envelope shape, no personal data outside `protected`, per-aggregate order), stores what it
accepted, answers the reconciliation queries and can be told to fail. It is the *other side*: it imports the
wire spec (`hall_server.sync.wire`) and the contract, never the hall server's own domains.
"""
