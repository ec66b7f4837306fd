"""The wheel carries every subpackage and data file (an editable install hides omissions)."""

import subprocess
import sys
import zipfile

import pytest

from tests.support import REPO

ROOT = REPO


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(ROOT)],
        check=True, capture_output=True, text=True,
    )
    (wheel,) = out.glob("newscrawl-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        return set(zf.namelist())


def test_wheel_contains_every_package(wheel_names):
    packages = {
        str(p.parent.relative_to(ROOT)) for top in ("crawler", "settings", "storage")
        for p in (ROOT / top).rglob("__init__.py")
    }
    assert "crawler/spiders" in packages and "crawler/pipelines" in packages
    for pkg in packages:
        assert f"{pkg}/__init__.py" in wheel_names, pkg


def test_wheel_contains_every_module_and_data_file(wheel_names):
    for top in ("crawler", "settings", "storage"):
        for path in (ROOT / top).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                rel = str(path.relative_to(ROOT))
                assert rel in wheel_names, rel


def test_wheel_declares_the_console_script(wheel_names):
    (ep,) = [n for n in wheel_names if n.endswith("entry_points.txt")]
    assert ep.startswith("newscrawl-")
