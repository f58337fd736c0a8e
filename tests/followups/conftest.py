from tests.manage.conftest import page  # noqa: F401  (the managers' dashboard in Chromium)
