"""The hall display service (`yimen display`): follows the hall server's `display` live topic, serves the
big-screen page on localhost for kiosk-mode Chromium and speaks every call offline.

- state.py: the pure display state (snapshot + events → what the screen shows), filtered by a profile;
- voice.py: the announcement queue (one player thread, never overlapped; chime when speech fails);
- follower.py: the asyncio follower of /ws (reconnect with backoff, stale marking, profile refetch);
- web.py: the page, its JSON view model, its WebSocket and the announcement log;
- service.py + cli.py: the wiring and the command.
"""
