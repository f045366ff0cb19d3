"""Write a new instance configuration file holding fresh secrets.

Usage: ``python -m reporting.keygen instance/config.py``. It refuses to overwrite a file:
replacing the receipt pepper would make every receipt already given out unusable.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

TEMPLATE = """\
# Secrets for this instance, written by `python -m reporting.keygen`. Keep this file private
# (mode 0600) and out of version control. Losing RECEIPT_PEPPER makes every receipt unusable.
SECRET_KEY = "{secret_key}"
RECEIPT_PEPPER = "{pepper}"
"""


def write_config(path: Path) -> None:
    """Create ``path`` with new secrets, readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = TEMPLATE.format(secret_key=secrets.token_urlsafe(48), pepper=secrets.token_hex(32))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m reporting.keygen PATH", file=sys.stderr)
        return 2
    path = Path(argv[0])
    try:
        write_config(path)
    except FileExistsError:
        print(f"{path} already exists; not overwriting it.", file=sys.stderr)
        return 1
    print(f"Wrote new secrets to {path}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
