"""``make package-test``: the packaged build behaves as the kiosk does from source.

    python packaging/smoke_test.py [dist/kiosk]

Runs the built executables off screen (``QT_QPA_PLATFORM=offscreen``) with fresh XDG
directories, so no user configuration, cache or log of this machine takes part:

- ``kiosk --version`` prints the version in pyproject.toml (stamped from the package metadata);
- ``kiosk check-config`` exits 0 on kiosk.example.toml with a real token, 2 on its
  placeholder token and on a bad file;
- ``kiosk self-check --demo`` exits 0 (embedded server, simulated printer, first frame);
- ``kiosk walkthrough`` writes a PNG of every screen;
- ``kiosk-server --help`` works, and ``kiosk-server --seed-demo`` serves /openapi.json and the
  departments, on SQLite and on PostgreSQL with ``--workers 2`` (a throwaway cluster);
- Chinese without any system font: with a fontconfig that knows no font at all, the packaged
  kiosk still passes ``self-check --demo`` and renders the home screen with the bundled
  Noto Sans CJK; a copy of the build without that font file (the control) renders the same
  screen visibly differently (empty boxes), which shows the first render's glyphs come from
  the bundled font.

Prints one line per check; exits 1 if any check failed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FONT = Path("_internal") / "assets" / "fonts" / "NotoSansCJKsc-Regular.otf"
HOME_PNG = "zh_CN-1920x1080-01-home.png"
# Home screen below the header (whose clock changes): title, service buttons, reader hint.
BODY_BOX = (0, 120, 1920, 960)
MIN_CONTROL_DIFFERENCE = 0.01  # share of body pixels that must change without the font


class SmokeError(Exception):
    pass


def expected_version() -> str:
    with (ROOT / "pyproject.toml").open("rb") as file:
        return str(tomllib.load(file)["project"]["version"])


def run(
    command: list[str], env: Mapping[str, str], *, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            command, env=dict(env), capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise SmokeError(f"`{' '.join(command)}` did not finish within {timeout:.0f} s") from None


def expect_exit(result: subprocess.CompletedProcess[str], code: int, what: str) -> None:
    if result.returncode != code:
        tail = (result.stderr or result.stdout).strip().splitlines()[-8:]
        raise SmokeError(
            f"{what}: exit {result.returncode}, expected {code}\n      " + "\n      ".join(tail)
        )


class Smoke:
    def __init__(self, dist: Path, work: Path) -> None:
        self.dist = dist
        self.kiosk = str(dist / "kiosk")
        self.server = str(dist / "kiosk-server")
        self.work = work
        self.env = dict(os.environ)
        self.env["QT_QPA_PLATFORM"] = "offscreen"
        for name in ("CONFIG", "CACHE", "DATA", "STATE"):
            self.env[f"XDG_{name}_HOME"] = str(work / "xdg" / name.lower())
        self.env.pop("KIOSK_CONFIG", None)

    def version(self) -> str:
        result = run([self.kiosk, "--version"], self.env, timeout=30)
        expect_exit(result, 0, "kiosk --version")
        wanted = f"kiosk {expected_version()}"
        if result.stdout.strip() != wanted:
            raise SmokeError(f"kiosk --version printed {result.stdout.strip()!r}, not {wanted!r}")
        return result.stdout.strip()

    def check_config(self) -> str:
        example = ROOT / "kiosk.example.toml"
        placeholder = run([self.kiosk, "check-config", str(example)], self.env)
        expect_exit(placeholder, 2, "check-config on the example's placeholder token")
        filled = self.work / "kiosk.toml"
        text = example.read_text(encoding="utf-8")
        filled.write_text(text.replace('token = "change-me"', 'token = "t-1"'), encoding="utf-8")
        filled.chmod(0o600)  # a file holding a token must not be writable by others
        good = run([self.kiosk, "check-config", str(filled)], self.env)
        expect_exit(good, 0, "check-config kiosk.example.toml with a token")
        bad_file = self.work / "bad.toml"
        bad_file.write_text('[kiosk]\nid = ""\n[printer]\nkind = "laser"\n', encoding="utf-8")
        bad = run([self.kiosk, "check-config", str(bad_file)], self.env)
        expect_exit(bad, 2, "check-config on a bad file")
        if "printer" not in bad.stderr:
            raise SmokeError(f"check-config did not name the bad key: {bad.stderr.strip()!r}")
        return "example valid with a token (0), placeholder and bad file rejected (2)"

    def self_check(self, env: Mapping[str, str] | None = None) -> str:
        result = run([self.kiosk, "self-check", "--demo"], env or self.env)
        expect_exit(result, 0, "kiosk self-check --demo")
        match = re.search(r"first frame ([0-9.]+) s after start", result.stdout)
        if not match:
            raise SmokeError(f"self-check printed no first frame:\n{result.stdout}")
        # Exit 0 means Qt Multimedia loaded: with the machine's libpulse0 (build.spec).
        sound = re.search(r"^ok +sound +(.*)$", result.stdout, re.MULTILINE)
        if not sound:
            raise SmokeError(f"self-check printed no sound line:\n{result.stdout}")
        return f"first frame {match.group(1)} s after start; sound: {sound.group(1)}"

    def walkthrough(self) -> str:
        out = self.work / "walkthrough"
        result = run(
            [self.kiosk, "walkthrough", "--out", str(out), "--size", "1920x1080"], self.env
        )
        expect_exit(result, 0, "kiosk walkthrough")
        shots = sorted(out.glob("*.png"))
        if not (out / HOME_PNG).is_file() or len(shots) < 5:
            raise SmokeError(f"walkthrough wrote {[p.name for p in shots]}")
        return f"{len(shots)} PNGs"

    def server_help(self) -> str:
        result = run([self.server, "--help"], self.env, timeout=30)
        expect_exit(result, 0, "kiosk-server --help")
        if "usage: kiosk-server" not in result.stdout:
            raise SmokeError(f"kiosk-server --help printed {result.stdout!r}")
        return "usage shown"

    def server_serves(self) -> str:
        return self._serve(["--db", str(self.work / "api.sqlite3")], self.env)

    def server_serves_postgresql(self) -> str:
        """The frozen server's psycopg and its spawned workers, on a throwaway cluster."""
        sys.path.insert(0, str(ROOT))
        from tests.helpers.postgres import TempCluster

        cluster = TempCluster.start()
        try:
            env = {**self.env, "KIOSK_SERVER_DB": cluster.create_database()}
            return self._serve(["--workers", "2"], env) + " (PostgreSQL, 2 workers)"
        finally:
            cluster.stop()

    def _serve(self, arguments: list[str], env: Mapping[str, str]) -> str:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        command = [self.server, *arguments, "--seed-demo", "--port", str(port)]
        log = (self.work / "server.log").open("w")
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}/openapi.json"
        try:
            deadline = time.monotonic() + 30
            while True:
                if process.poll() is not None:
                    output = (self.work / "server.log").read_text(errors="replace")
                    raise SmokeError(f"kiosk-server exited {process.returncode}:\n{output}")
                try:
                    with urllib.request.urlopen(url, timeout=2) as response:
                        document = json.load(response)
                    break
                except (urllib.error.URLError, ConnectionError):
                    if time.monotonic() > deadline:
                        raise SmokeError(f"kiosk-server did not answer {url} in 30 s") from None
                    time.sleep(0.2)
            paths = document.get("paths", {})
            if "/api/v1/patients/identify" not in paths:
                raise SmokeError(f"{url} lacks the Kiosk API paths: {sorted(paths)[:5]}")
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/api/v1/departments",
                headers={"Authorization": "Bearer demo-token"},
            )
            with urllib.request.urlopen(request, timeout=10) as response:
                departments = json.load(response)["departments"]
            return f"{len(paths)} API paths on /openapi.json, {len(departments)} departments"
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()

    def chinese_without_system_fonts(self) -> str:
        from PIL import Image, ImageChops

        fonts_dir = self.work / "no-fonts"
        fonts_dir.mkdir()
        conf = fonts_dir / "fonts.conf"
        conf.write_text(
            '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n'
            f"<fontconfig><cachedir>{fonts_dir / 'cache'}</cachedir></fontconfig>\n",
            encoding="utf-8",
        )
        env = dict(self.env)
        env["FONTCONFIG_FILE"] = str(conf)
        env.pop("FONTCONFIG_PATH", None)
        fc_list = shutil.which("fc-list")
        if fc_list:  # the same fontconfig settings really offer no font
            listed = run([fc_list], env, timeout=30).stdout.strip()
            if listed:
                raise SmokeError(f"the empty font config still lists fonts: {listed[:200]}")

        frame = self.self_check(env)
        with_font = fonts_dir / "with-font"
        result = run(
            [self.kiosk, "walkthrough", "--out", str(with_font), "--size", "1920x1080"], env
        )
        expect_exit(result, 0, "walkthrough with no system fonts")
        if "could not load the bundled font" in result.stderr:
            raise SmokeError("the packaged kiosk could not load its bundled font")

        # The control: the same build (hard-linked, so no copy of 200 MB) without the font.
        control = self.work / "control"
        shutil.copytree(self.dist, control, symlinks=True, copy_function=os.link)
        (control / FONT).unlink()
        without_font = fonts_dir / "without-font"
        home_without = without_font / HOME_PNG
        command = [str(control / "kiosk"), "walkthrough", "--out", str(without_font)]
        process = subprocess.Popen(
            [*command, "--size", "1920x1080"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:  # the home screen is shot first; the rest of the journey is not needed
            deadline = time.monotonic() + 60
            while not (home_without.is_file() and len(list(without_font.glob("*.png"))) > 1):
                if process.poll() is not None or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if not home_without.is_file():
            raise SmokeError("the control run (font removed) wrote no home screen")

        def body(path: Path) -> Image.Image:
            with Image.open(path) as image:
                return image.convert("L").crop(BODY_BOX)

        def changed(first: Image.Image, second: Image.Image) -> float:
            histogram = ImageChops.difference(first, second).point(lambda v: 255 * (v > 48))
            counts = histogram.histogram()
            return counts[255] / sum(counts)

        home = body(with_font / HOME_PNG)
        control_diff = changed(home, body(home_without))
        if control_diff < MIN_CONTROL_DIFFERENCE:
            raise SmokeError(
                f"the home screen looks the same without the bundled font ({control_diff:.1%} "
                "of pixels differ): the Chinese text is not drawn with it"
            )
        system_diff = changed(home, body(self.work / "walkthrough" / HOME_PNG))
        return (
            f"self-check {frame}; home screen differs from the font-less control in "
            f"{control_diff:.1%} of pixels (from the render with this machine's fonts in "
            f"{system_diff:.1%}: hinting only)"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dist", nargs="?", type=Path, default=ROOT / "dist" / "kiosk")
    args = parser.parse_args(argv)
    dist: Path = args.dist.resolve()
    for name in ("kiosk", "kiosk-server"):
        if not os.access(dist / name, os.X_OK):
            print(
                f"smoke test: {dist / name} is missing; run `make package` first", file=sys.stderr
            )
            return 1
    failures = 0
    with tempfile.TemporaryDirectory(prefix="kiosk-smoke-", dir=dist.parent) as tmp:
        smoke = Smoke(dist, Path(tmp))
        checks: list[tuple[str, Callable[[], str]]] = [
            ("kiosk --version", smoke.version),
            ("kiosk check-config", smoke.check_config),
            ("kiosk self-check --demo", smoke.self_check),
            ("kiosk walkthrough", smoke.walkthrough),
            ("kiosk-server --help", smoke.server_help),
            ("kiosk-server serves the API", smoke.server_serves),
            ("kiosk-server serves from PostgreSQL", smoke.server_serves_postgresql),
            ("Chinese with no system fonts", smoke.chinese_without_system_fonts),
        ]
        for name, check in checks:
            started = time.monotonic()
            try:
                detail = check()
            except SmokeError as failure:
                failures += 1
                print(f"FAIL  {name}: {failure}", flush=True)
            else:
                print(f"ok    {name}: {detail} ({time.monotonic() - started:.1f} s)", flush=True)
    if failures:
        print(f"smoke test: {failures} of {len(checks)} checks failed", file=sys.stderr)
        return 1
    print(f"smoke test: all {len(checks)} checks passed on {dist}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
