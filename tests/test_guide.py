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

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "操作手册.md"


def test_every_state_is_explained_in_the_guide():
    text = GUIDE.read_text(encoding="utf-8")
    for state in State:
        assert f"| {state.value} |" in text, state


@pytest.mark.integration  # Chromium and the main job; the other tests read the guide only
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


def test_the_guides_counts_match_the_deployments_and_the_artifacts():
    """The guide says how many deployments the UI lists and how many artifacts a run shows."""
    import yaml

    text = GUIDE.read_text(encoding="utf-8")
    deployments = yaml.safe_load((ROOT / "prefect.yaml").read_text("utf-8"))["deployments"]
    said = re.search(r"全部 (\d+) 个部署：(\d+) 个定时运行，(\d+) 个（review）只能手动运行"
                     r"[^。]*?，(\d+) 个（intake）", text)
    assert said, "the guide does not say how many deployments there are"
    scheduled = [d for d in deployments if d.get("schedules")]
    forms = [d for d in deployments if d["entrypoint"] == "flows/review.py:review"]
    triggered = [d for d in deployments if d.get("triggers")]
    assert len(scheduled) + len(forms) + len(triggered) == len(deployments)
    assert [int(x) for x in said.groups()] == [len(deployments), len(scheduled), len(forms),
                                              len(triggered)]
    for d in deployments:
        assert f"| {d['name']} |" in text, d["name"]
    source = (ROOT / "tasks" / "artifacts.py").read_text("utf-8")
    publish = source.split("def publish")[1].split("\ndef ")[0]
    made = publish.count("create_markdown_artifact(") + publish.count("create_table_artifact(")
    assert f"**Artifacts** 一栏有 {made} 份结果" in text
    assert "说明栏" not in text and "抄送" not in text


def test_every_command_in_the_guide_is_typed_as_it_runs_and_exists():
    from sprint.commands.cli import parser

    text = GUIDE.read_text(encoding="utf-8")
    bare = re.findall(r"(?<![/\w])sprint (?:run|approve|outbox|plan|calendar|status|validate|"
                      r"submit|watch|up|replay|census)\b", text)
    assert bare == [], "commands without .venv/bin/"
    commands = set(re.findall(r"\.venv/bin/sprint (\w+)", text))
    known = set(parser()._subparsers._group_actions[0].choices)
    assert commands and commands <= known, commands - known
    assert {"run", "approve", "outbox"} <= commands


def test_the_guide_says_the_traps_and_where_the_first_notice_comes():
    text = GUIDE.read_text(encoding="utf-8")
    for words in ("结束演练", "容易踩的坑", "weekly-dispatch", "2020-11-06 17:30",
                  "试运行（只生成邮件，不发送）", "Ctrl-C", "2020年10月12日"):
        assert words in text, words
