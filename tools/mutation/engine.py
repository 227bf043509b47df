"""Bazel action entry point for mutation testing (see tools/mutation/defs.bzl and README.md).

`engine.py test-map`: runs a module's tests once under coverage with per-test contexts and writes, for each
source file, the node ids of the tests that execute it.
`engine.py mutate`: runs mutmut on one source file against the tests of its list and writes its JSON result.

Both lay the module and its tests out in a fresh temp dir and work there: the source tree is never
written. The child processes run with `python -S` so only the action's runfiles are importable.
"""

import os
import site
import sys

# Hermetic imports, as in tools/pytest_runner/pytest_main.py: never the host interpreter's site-packages.
_HOST_SITE = set(site.getsitepackages() + [site.getusersitepackages()])
_SCRIPT_DIR = os.path.dirname(os.path.realpath(__file__))
sys.path[:] = [p for p in sys.path if p not in _HOST_SITE and os.path.realpath(p or os.curdir) != _SCRIPT_DIR]

from tools.mutation.engine_cli import main  # noqa: E402  (after the path is made hermetic)

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
