"""Build hook: a wheel carries the templates, static files, migrations and COMPILED catalogs.

`.mo` files are never committed; without this step a non-editable `pip install .` would serve
English to Indonesian users. Everything the app reads from the project root is copied into
`marketplace/_resources/` inside the wheel, where `marketplace.config.ROOT` looks first.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
RESOURCES = ("templates", "static", "translations", "migrations", "babel.cfg")


def compile_catalogs(translations: Path) -> None:
    """Compile every `<area>/<locale>/LC_MESSAGES/messages.po` beside itself."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in translations.glob("*/*/LC_MESSAGES/messages.po"):
        with po.open("rb") as source:
            catalog = read_po(source, locale=po.parents[1].name)
        with po.with_suffix(".mo").open("wb") as target:
            write_mo(target, catalog, use_fuzzy=False)


class BuildWithResources(build_py):
    """build_py that also compiles the catalogs and bundles the project's resources."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            compile_catalogs(HERE / "translations")  # the editable install reads the tree
            return
        target = Path(self.build_lib) / "marketplace" / "_resources"
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        for name in RESOURCES:
            source = HERE / name
            if source.is_dir():
                shutil.copytree(source, target / name,
                                ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo"))
            else:
                shutil.copy2(source, target / name)
        compile_catalogs(target / "translations")


setup(cmdclass={"build_py": BuildWithResources})
