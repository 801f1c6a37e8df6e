"""PyInstaller entry point of the packaged executables (see build.spec).

``dist/kiosk/kiosk`` is the one executable; ``kiosk-server`` beside it is a link to it, so the
package carries Python's archive once. The name it was started by says which program runs.
"""

import multiprocessing
import sys
from pathlib import Path

# ``kiosk-server --workers N`` starts its worker processes with multiprocessing's spawn: in a
# frozen executable each of them runs this file again, and must become a worker, not a new
# server (this returns at once in every other case).
multiprocessing.freeze_support()

if Path(sys.argv[0]).name == "kiosk-server":
    from kiosk.server.cli import main
else:
    from kiosk.cli import main

raise SystemExit(main())
