"""PyInstaller entry point of the packaged ``kiosk-server`` executable (see build.spec)."""

from kiosk.server.cli import main

raise SystemExit(main())
