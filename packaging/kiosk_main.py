"""PyInstaller entry point of the packaged ``kiosk`` executable (see build.spec)."""

from kiosk.cli import main

raise SystemExit(main())
