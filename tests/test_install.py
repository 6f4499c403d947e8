"""`pip install .` (not `-e`) gives a working `sprint`, used from a folder outside the checkout:
templates, plans and the flows' entry points are found where pip put them, and no file of the
checkout is read."""

from __future__ import annotations

import email
import email.policy
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from sprint.demo.ledgers import write_ledger
from tests.factories import make_ledger

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ("pyproject.toml", "sprint", "flows", "tasks", "templates")  # what the build reads


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh virtual environment with the project installed by `pip install .` from a copy
    of its sources (the build leaves nothing in the checkout); the dependencies come from this
    environment's site-packages through a .pth, so the install itself takes seconds."""
    where = tmp_path_factory.mktemp("install")
    source = where / "source"
    for name in SHIPPED:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            source.mkdir(exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    venv = where / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    # A path line of a .pth adds the folder, without running the .pth files in it (this
    # checkout's editable finder among them), so `sprint` can only come from the new install.
    Path(purelib, "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    done = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install",
                           "--no-deps", "--quiet", str(source)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    return venv


def _sprint(venv: Path, *args: str, cwd: Path, env: dict | None = None):
    environment = {k: v for k, v in os.environ.items()
                   if not k.startswith(("SPRINT_", "PREFECT_API_URL", "PYTHONPATH"))}
    environment |= {"SPRINT_HOME": str(cwd / "var")} | (env or {})
    return subprocess.run([str(venv / "bin" / "sprint"), *args], capture_output=True, text=True,
                          cwd=cwd, env=environment, timeout=300)


def test_the_installed_sprint_shows_the_plan_validates_and_runs_outside_the_checkout(
        installed, tmp_path, prefect_server):
    """Clause 6①: "以县为单位，建立《贫困劳动力转移就业台账》，并实行双周报送制度，分别报送市人社局和
    市扶贫办备案". Its deployment labor-ledger runs every other Friday at 17:30 from 2020-10-09
    (the first due Friday, 17:00, plus half an hour). A dry run as of 2020-10-12, the Monday
    after, with an empty inbox: the first period (09-26..10-09) is owed by all 7 county-level
    units, so each gets a reminder, and 市人社局 and 市扶贫办 one summary saying no unit sent
    it (本期无单位报送); all rendered into the state folder, none sent."""
    from prefect.settings import PREFECT_API_URL

    site = Path(subprocess.run([str(installed / "bin" / "python"), "-c",
                                "import sprint, pathlib; print(pathlib.Path(sprint.__file__).parent)"],
                               capture_output=True, text=True, check=True, cwd=tmp_path).stdout.strip())
    assert installed in site.parents, site  # the installed copy, not this checkout

    plan = _sprint(installed, "plan", cwd=tmp_path)
    assert plan.returncode == 0, plan.stderr[-3000:]
    lines = plan.stdout.splitlines()
    assert lines[0] == f"计划文件：{site / 'plans' / 'baicheng-2020.yaml'}（原日程，未平移）"
    assert "第6①条  labor-ledger（贫困劳动力转移就业台账（双周报送））" in plan.stdout
    assert "labor-ledger：每隔一周周五17:30（北京时间），自2020年10月9日起" in plan.stdout
    assert "Traceback" not in plan.stdout + plan.stderr

    ledger = write_ledger(make_ledger(rows=12), tmp_path / "220802" / "洮北区台账.xlsx")
    check = _sprint(installed, "validate", str(ledger), "--as-of", "2020-10-09", cwd=tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "台账：《贫困劳动力转移就业台账》" in check.stdout
    assert "数据行：12" in check.stdout and "结果：通过" in check.stdout

    run = _sprint(installed, "run", "labor-ledger", "--as-of", "2020-10-12", "--dry-run",
                  cwd=tmp_path, env={"PREFECT_API_URL": PREFECT_API_URL.value()})
    assert run.returncode == 0, (run.stdout + run.stderr)[-3000:]
    assert run.stdout.startswith("labor-ledger：运行完成 —")
    [folder] = (tmp_path / "var" / "dry-run").iterdir()
    rendered = {p.name.split("-", 1)[1]: email.message_from_bytes(p.read_bytes(),
                                                                    policy=email.policy.default)
                for p in folder.glob("*.eml")}
    assert sorted(rendered) == [f"reminder-{code}.eml" for code in (
        "220802", "220821", "220822", "220881", "220882", "bcjk", "cght")] + ["summary-sfpb.eml"]
    reminder = rendered["reminder-220802.eml"]
    assert reminder["To"] == "taobei@example.org"
    assert "贫困劳动力转移就业台账" in reminder["Subject"]
    assert "贫困劳动力转移就业台账" in reminder.get_body(("plain",)).get_content()
    summary = rendered["summary-sfpb.eml"]
    assert "renshe@example.org" in summary["To"] and "fupinban@example.org" in summary["To"]
    assert summary["Subject"].endswith("贫困劳动力转移就业台账汇总（2020-09-26至2020-10-09）：本期无单位报送")
    assert not (ROOT / "build").exists()  # the build ran on the copy
