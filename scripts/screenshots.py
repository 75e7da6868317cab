"""Screenshots of whole reports at 1280 px, as a reader sees them, for docs/.

    .venv/bin/python scripts/screenshots.py NAME=LOG [NAME=LOG ...] [--out docs]

Each LOG is assessed with ``o2c assess`` (an ``ideal_path.yaml`` beside it is used) and its
report drawn by Debian's Chromium, headless, 1280 px wide and as tall as the page; the PNG is
cropped to the page and reduced to 256 colours to keep the repository small.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageChops

CHROMIUM = "/usr/bin/chromium"
WIDTH, TALLEST = 1280, 24_000


def shoot(log: Path, png: Path, work: Path) -> None:
    """Assess ``log`` into ``work`` and write the screenshot of its report to ``png``."""
    out = work / "report"
    command = [sys.executable, "-m", "o2c.cli", "assess", str(log), "--out", str(out), "--no-progress"]
    ideal = log.parent / "ideal_path.yaml"
    if ideal.exists():
        command += ["--ideal", str(ideal)]
    subprocess.run(command, check=True)
    raw = work / "raw.png"
    subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         f"--user-data-dir={work / 'profile'}", f"--window-size={WIDTH},{TALLEST}",
         f"--screenshot={raw}", (out / "report.html").resolve().as_uri()],
        check=True, capture_output=True,
    )  # fmt: skip
    with Image.open(raw) as image:
        rgb = image.convert("RGB")
        blank = Image.new("RGB", rgb.size, rgb.getpixel((WIDTH - 1, TALLEST - 1)))
        box = ImageChops.difference(rgb, blank).getbbox()
        bottom = min(TALLEST, (box[3] if box else TALLEST) + 24)
        rgb.crop((0, 0, WIDTH, bottom)).quantize(colors=256).save(png, optimize=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("logs", nargs="+", metavar="NAME=LOG")
    parser.add_argument("--out", type=Path, default=Path("docs"))
    args = parser.parse_args()
    for item in args.logs:
        name, _, path = item.partition("=")
        with tempfile.TemporaryDirectory() as work:
            shoot(Path(path), args.out / f"report_{name}.png", Path(work))
        print(f"wrote {args.out / f'report_{name}.png'}")


if __name__ == "__main__":
    main()
