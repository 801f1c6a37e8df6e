"""The package's fontTools runs two modules as Python, not as their Cython builds (build.spec).

fpdf2 subsets the CJK font with fontTools for every report PDF. fontTools ships
``misc.bezierTools`` and ``varLib.iup`` both compiled and as plain Python that does the same;
the package keeps only the Python (750 kB less). Here a report is made both ways, each in its
own process, and the PDFs must be the same bytes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PURE_MODULES = ("fontTools.misc.bezierTools", "fontTools.varLib.iup")

# Run in a child: with "pure", a finder that loads the two modules from their .py files is put
# first on sys.meta_path, as the package's archive does; both ways, the modules are imported as
# fpdf2 would, and a lab and an imaging report are made.
_CHILD = r"""
import datetime as dt, hashlib, importlib.machinery, importlib.util, json, sys
from pathlib import Path

PURE = tuple(json.loads(sys.argv[2]))


class PythonSource(importlib.machinery.PathFinder):
    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if name not in PURE:
            return None
        compiled = importlib.machinery.PathFinder.find_spec(name, path)
        source = Path(compiled.origin).parent / (name.rsplit(".", 1)[1] + ".py")
        return importlib.util.spec_from_file_location(name, source)


if sys.argv[1] == "pure":
    sys.meta_path.insert(0, PythonSource)
for name in PURE:
    importlib.import_module(name)

from kiosk.server.db import to_db_time
from kiosk.server.reports import render_pdf

ordered = dt.datetime(2026, 11, 30, 8, 5, tzinfo=dt.timezone.utc)
common = {
    "dep_name": "检验科", "dep_name_en": "Laboratory",
    "ordered_at": to_db_time(ordered), "ready_at": to_db_time(ordered + dt.timedelta(hours=3)),
}
lab = {
    **common, "id": "R-LAB-1", "kind": "lab", "title": "血常规", "title_en": "Blood count",
    "content_json": json.dumps({"results": [
        ["白细胞计数", "WBC", "11.2", "10^9/L", "3.5-9.5", "↑"],
        ["血红蛋白", "Haemoglobin", "128", "g/L", "115-150", ""],
        ["血小板计数", "Platelets", "96", "10^9/L", "125-350", "↓"],
    ]}, ensure_ascii=False),
}
imaging = {
    **common, "id": "R-IMG-1", "kind": "imaging", "title": "胸部X线", "title_en": "Chest X-ray",
    "content_json": json.dumps({
        "findings": "双肺纹理清晰，未见实质性病变。", "findings_en": "Both lungs are clear.",
        "impression": "心肺膈未见异常。", "impression_en": "No abnormality of heart and lungs.",
    }, ensure_ascii=False),
}
patient = {"id": "P-1", "name": "王淑芬", "gender": "female"}
digests = [
    hashlib.sha256(render_pdf(row, patient, dt.timezone.utc)).hexdigest() for row in (lab, imaging)
]
origins = {name: sys.modules[name].__spec__.origin for name in PURE}
print(json.dumps({"digests": digests, "origins": origins}))
"""


def make_reports(way: str) -> tuple[list[str], dict[str, str]]:
    """The two reports' SHA-256 digests, and the file each of the two modules came from."""
    result = subprocess.run(
        [sys.executable, "-c", _CHILD, way, json.dumps(PURE_MODULES)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    answer = json.loads(result.stdout.splitlines()[-1])
    return answer["digests"], answer["origins"]


def test_reports_made_with_the_python_modules_are_the_same_bytes() -> None:
    compiled_digests, compiled_origins = make_reports("compiled")
    pure_digests, pure_origins = make_reports("pure")
    assert all(origin.endswith(".so") for origin in compiled_origins.values())
    assert all(origin.endswith(".py") for origin in pure_origins.values())
    assert pure_digests == compiled_digests
