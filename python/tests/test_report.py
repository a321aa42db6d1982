"""castor report: the HTML page loads in headless Chromium with no script error, every
figure is drawn (and not blank), the screenshot is not blank, the tables hold the numbers
castor prints."""

import os
import re
import shutil
import struct
import subprocess
import zlib

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CLI = os.environ.get("CASTOR_CLI")
pytestmark = [pytest.mark.skipif(not CLI, reason="CASTOR_CLI is not set (ctest sets it)"),
              pytest.mark.skipif(not CHROMIUM, reason="chromium is not installed (scripts/deps.txt has it)")]


def chromium(*args, timeout=120):
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--virtual-time-budget=10000", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def png_pixels(path):
    """(width, height, rows of RGBA bytes) of an 8-bit RGB(A) non-interlaced PNG."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour in (2, 6)
            channels = 4 if colour == 6 else 3
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b, c = prev[i], prev[i - channels] if i >= channels else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, channels, rows


@pytest.fixture(scope="module")
def page(tmp_path_factory, data):
    out = tmp_path_factory.mktemp("report") / "report.html"
    files = [data / "cycler" / "navani" / "jdb11-1_c3_gcpl_5cycles_2V-3p8V_C-24_data_C09.mpr",
             data / "cycler" / "NewareNDA" / "test_2.ndax", data / "cycler" / "yadg" / "cv.mpr",
             data / "echem" / "impedance.py" / "exampleData.csv"]
    p = subprocess.run([CLI, "report", *map(str, files), "--mass-mg", "7", "-o", str(out)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    return out, p.stdout


def test_page_loads_and_every_figure_is_drawn(page):
    out, printed = page
    figures = int(re.search(r"(\d+) figure\(s\)", printed).group(1))
    assert figures >= 8
    dom = chromium("--dump-dom", out.as_uri()).stdout
    status = re.search(r'<div id="castor-status"[^>]*>', dom).group(0)
    attrs = dict(re.findall(r'data-([a-z-]+)="([^"]*)"', status))
    assert attrs.get("errors") == "0", attrs.get("error-text")
    assert attrs["figures"] == attrs["drawn"] == str(figures)
    assert attrs["blank"] == "0"
    assert dom.count("<canvas") >= figures


def test_tables_hold_the_numbers_castor_prints(page, data):
    out, _ = page
    html = out.read_text()
    # castor cycling prints CE 86.43 % and 92.01 % for cycles 1 and 6 of this cell with 7 mg.
    text = subprocess.run([CLI, "cycling", str(data / "cycler" / "navani" / "jdb11-1_c3_gcpl_5cycles_2V-3p8V_C-24_data_C09.mpr"),
                           "--mass-mg", "7"], capture_output=True, text=True).stdout
    for ce in ("86.43", "93.52", "92.01"):
        assert ce in text
        assert f">{ce}</td>" in html
    assert ">121.84</td>" in html  # the first discharge, mAh/g
    assert "WARNING" in html and 'class="warning"' in html


def test_screenshot_is_not_blank(page, tmp_path):
    out, _ = page
    shot = tmp_path / "shot.png"
    chromium("--window-size=1100,1600", f"--screenshot={shot}", out.as_uri())
    width, height, channels, rows = png_pixels(shot)
    assert (width, height) == (1100, 1600)
    inked, colours = 0, set()
    for row in rows[::8]:
        for x in range(0, width * channels, channels * 8):
            px = row[x:x + 3]
            if px != b"\xff\xff\xff":
                inked += 1
                colours.add(px)
    total = (height // 8) * (width // 8)
    assert inked > 0.03 * total, f"{inked} of {total} sampled pixels are not white"
    assert len(colours) > 20  # text, axes and coloured curves, not a flat page


def test_bad_output_name_and_missing_file(tmp_path, data):
    p = subprocess.run([CLI, "report", str(data / "cycler" / "NewareNDA" / "test_2.ndax"), "-o", str(tmp_path / "r.pdf")],
                       capture_output=True, text=True)
    assert p.returncode == 2 and ".html" in p.stderr
    p = subprocess.run([CLI, "report", str(tmp_path / "none.mpr"), "-o", str(tmp_path / "r.html")], capture_output=True, text=True)
    assert p.returncode == 2 and "none.mpr" in p.stderr
