"""The wheel carries every subpackage and data file (an editable install hides omissions)."""

import configparser
import subprocess
import sys
import zipfile

import pytest

from tests.support import REPO


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(REPO)],
        check=True, capture_output=True, text=True,
    )
    (path,) = out.glob("newscrawl-*.whl")
    return path


@pytest.fixture(scope="module")
def wheel_names(wheel):
    with zipfile.ZipFile(wheel) as zf:
        return set(zf.namelist())


def test_wheel_contains_every_package(wheel_names):
    packages = {
        str(p.parent.relative_to(REPO)) for top in ("crawler", "settings", "storage")
        for p in (REPO / top).rglob("__init__.py")
    }
    assert "crawler/spiders" in packages and "crawler/pipelines" in packages
    for pkg in packages:
        assert f"{pkg}/__init__.py" in wheel_names, pkg


def test_wheel_contains_every_module_and_data_file(wheel_names):
    for top in ("crawler", "settings", "storage"):
        for path in (REPO / top).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                rel = str(path.relative_to(REPO))
                assert rel in wheel_names, rel


def test_wheel_declares_the_console_script(wheel):
    with zipfile.ZipFile(wheel) as zf:
        (name,) = [n for n in zf.namelist() if n.endswith(".dist-info/entry_points.txt")]
        entry_points = configparser.ConfigParser()
        entry_points.read_string(zf.read(name).decode("utf-8"))
    assert dict(entry_points["console_scripts"]) == {"newscrawl": "crawler.cli:main"}
