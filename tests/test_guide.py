"""The operator's guide (docs/操作手册.md): every picture it shows is made by the set-up
(docs/make_images.py: each kind of mail by headless Chromium, the UI's pages from the main
job), and every state and kind of mail the system has is explained in it."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sprint.domain.status import State

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "操作手册.md"


def test_every_state_is_explained_in_the_guide():
    text = GUIDE.read_text(encoding="utf-8")
    for state in State:
        assert f"| {state.value} |" in text, state


def test_the_guides_pictures_are_made_by_the_set_up_and_each_one_shown_exists(tmp_path):
    if not Path("/usr/bin/chromium").exists() and not os.environ.get("CI"):
        pytest.skip("Debian's chromium is not installed")
    from PIL import Image

    shown = re.findall(r"\(images/([^)]+\.png)\)", GUIDE.read_text(encoding="utf-8"))
    assert all((ROOT / "docs" / "images" / name).is_file() for name in shown)
    done = subprocess.run([sys.executable, str(ROOT / "docs" / "make_images.py"), "--out",
                           str(tmp_path)], capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    made = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(shown) <= set(made), set(shown) - set(made)
    for name in made:
        with Image.open(tmp_path / name) as image:
            assert image.width >= 800 and image.height >= 200, (name, image.size)
    shutil.rmtree(tmp_path, ignore_errors=True)
