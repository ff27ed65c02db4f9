"""The project's metadata is in pyproject.toml; this adds the one compiled module.

extractors/hitloop.py, the tagger's per-hit loops, is compiled with Cython into
extractors._hitloop (an editable install puts it next to the source). It is optional: where
no C compiler or no Python headers are found, the install goes on without it and the tagger
runs the same file as Python, slower, with the same results (extractors/entities.py).
"""

import sys

from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext


class OptionalBuildExt(build_ext):
    """build_ext that, when the compiler fails, says so and builds nothing. (Extension's
    `optional` is not enough: an editable install then fails copying the missing module.)"""

    def run(self) -> None:
        try:
            super().run()
        except Exception as error:  # no compiler, no headers: any failure of the build
            print(
                f"warning: extractors._hitloop not compiled ({error}); "
                "the tagger runs extractors/hitloop.py as Python, slower",
                file=sys.stderr,
            )
            self.extensions = []


setup(
    ext_modules=cythonize(
        [Extension("extractors._hitloop", ["extractors/hitloop.py"])],
        build_dir="build",  # the generated C stays out of the source tree
        compiler_directives={"language_level": 3},
        quiet=True,
    ),
    cmdclass={"build_ext": OptionalBuildExt},
)
