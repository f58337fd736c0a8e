"""A device plugin whose dependency is not installed, for the CLI's error path (see test_cli.py)."""

import yimen_test_dependency_that_is_not_installed  # type: ignore[import-not-found]  # noqa: F401
