"""Ship the default theme inside the wheel as newsgen/_themes (the checkout keeps it in themes/)."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithThemes(build_py):
    """Copy themes/ into the built package so a wheel installed anywhere finds its theme."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads themes/ from the checkout
        source = Path(__file__).resolve().parent / "themes"
        shutil.copytree(source, Path(self.build_lib) / "newsgen" / "_themes", dirs_exist_ok=True)


setup(cmdclass={"build_py": BuildWithThemes})
