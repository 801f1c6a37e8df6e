"""PyInstaller entry point of the packaged ``kiosk-server`` executable (see build.spec)."""

import multiprocessing

from kiosk.server.cli import main

# ``--workers N`` starts its worker processes with multiprocessing's spawn: in a frozen
# executable each of them runs this file again, and must become a worker, not a new server.
multiprocessing.freeze_support()
raise SystemExit(main())
