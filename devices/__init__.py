"""Yimen device layer: drivers and wire-level simulators. Speaks bytes and plain values; no Qt, no server."""
