"""The reference Kiosk API server (FastAPI + SQLite); imports nothing of the UI, flows or devices.

- ``kiosk.server.app.create_app(db_path, clock=..., public_url=...)``: the ASGI app.
- ``kiosk.server.embedded.EmbeddedServer``: the app on a loopback port in a thread.
- ``kiosk.server.seed.seed_demo`` / ``DEMO_IDENTITIES``: the demo hospital.
- ``kiosk.server.cli.main``: the ``kiosk-server`` command.
"""
