"""Finding the stratad binary that `Strata.cache()` and directory targets run.

$STRATAD_BIN first, then PATH. There is deliberately no fallback to a build
tree: a client silently running whatever binary happens to sit next to it is
harder to reason about than a clear error saying how to install one.
"""

import os
import shutil

from .errors import UnavailableError

ENV_BINARY = "STRATAD_BIN"

_HOW_TO_GET_IT = (
    "install it with 'make install' in a stratad source checkout (puts it in /usr/local/bin), "
    f"or set ${ENV_BINARY} to the binary's path"
)


def find_stratad() -> str:
    """The path of the stratad to run.

    Raises:
        UnavailableError: $STRATAD_BIN names no executable file, or it is
            unset and no stratad is on PATH; the message says how to get one.
    """
    configured = os.environ.get(ENV_BINARY)
    if configured:
        if os.path.isfile(configured) and os.access(configured, os.X_OK):
            return configured
        raise UnavailableError(
            f"${ENV_BINARY} is {configured!r}, which is not an executable file; {_HOW_TO_GET_IT}",
            reason="unavailable",
        )
    found = shutil.which("stratad")
    if found:
        return found
    raise UnavailableError(
        f"a private local server needs the stratad binary, which is not on PATH; {_HOW_TO_GET_IT}",
        reason="unavailable",
    )
