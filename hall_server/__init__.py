"""Yimen hall server. Importing this package loads nothing: the contract and client stay server-free."""
