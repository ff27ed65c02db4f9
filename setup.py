"""The project's metadata is in pyproject.toml; this adds the one compiled module.

extractors/hitloop.py, the tagger's per-hit loops, is compiled with Cython into
extractors._hitloop (an editable install puts it next to the source). It is optional: where
no C compiler or no Python headers are found, the install goes on without it and the tagger
runs the same file as Python, slower, with the same results (extractors/entities.py).
"""

from Cython.Build import cythonize
from setuptools import Extension, setup

setup(
    ext_modules=cythonize(
        [Extension("extractors._hitloop", ["extractors/hitloop.py"], optional=True)],
        build_dir="build",  # the generated C stays out of the source tree
        compiler_directives={"language_level": 3},
        quiet=True,
    )
)
