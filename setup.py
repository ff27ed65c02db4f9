"""The project's metadata is in pyproject.toml; this adds the compiled modules.

extractors/hitloop.py, the tagger's per-hit loops, is compiled with Cython into
extractors._hitloop, and extractors/story_scan.pyx, a story key's per-word loops, into
extractors._story_scan (an editable install puts them next to the source). They are
optional: where no C compiler or no Python headers are found, the install goes on without
them and the same results come from Python, slower (extractors/entities.py,
extractors/compiled.py).
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
                f"warning: extractors._hitloop and _story_scan not compiled ({error}); "
                "the tagger and story keys run as Python, slower",
                file=sys.stderr,
            )
            self.extensions = []


setup(
    ext_modules=cythonize(
        [
            Extension("extractors._hitloop", ["extractors/hitloop.py"]),
            Extension("extractors._story_scan", ["extractors/story_scan.pyx"]),
        ],
        build_dir="build",  # the generated C stays out of the source tree
        compiler_directives={"language_level": 3},
        quiet=True,
    ),
    cmdclass={"build_ext": OptionalBuildExt},
)
