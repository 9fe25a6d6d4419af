"""The package list for setuptools; all other metadata lives in pyproject.toml.

pyproject.toml cannot both discover packages and map the two top-level data
folders into the package (resources/ -> clamp_desktop.resources, db/ ->
clamp_desktop.db, see [tool.setuptools.package-dir]), so the list is computed
here: a new subpackage of clamp_desktop (with or without ``__init__.py``) or a
new data folder ships without editing a list.
"""

from setuptools import find_namespace_packages, setup
from setuptools.command.build_py import build_py

NOT_PACKAGES = ["*.__pycache__", "__pycache__"]


def mapped_packages(package: str, folder: str) -> list[str]:
    """``package`` plus its data folders (e.g. ``clamp_desktop.db.migrations``).

    Listing the folders as packages is what setuptools asks of data folders
    with importable names; their files are picked up by the parent's
    package-data globs.
    """
    below = find_namespace_packages(where=folder, exclude=NOT_PACKAGES)
    importable = [name for name in below if all(part.isidentifier() for part in name.split("."))]
    return [package] + [f"{package}.{name}" for name in importable]


class BuildPy(build_py):
    """docs/ ships only its Markdown pages (package-data), not the screenshot scripts beside them."""

    def find_package_modules(self, package, package_dir):
        return [] if package == "clamp_desktop.docs" else super().find_package_modules(package, package_dir)


setup(
    cmdclass={"build_py": BuildPy},
    packages=find_namespace_packages(include=["clamp_desktop", "clamp_desktop.*"], exclude=NOT_PACKAGES)
    + mapped_packages("clamp_desktop.resources", "resources")
    + mapped_packages("clamp_desktop.db", "db")
    + ["clamp_desktop.docs"]     # only its two pages for Help (package-data); not its folders
)
