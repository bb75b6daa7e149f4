"""Copy the browser files the pages use from node_modules into static/vendor.

The list lives here so that adding a front-end package is one line; nothing
under static/vendor is committed.
"""

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "static" / "vendor"

# (file inside node_modules, name under static/vendor)
ASSETS = [
    # checkin scanner page: camera QR decoding (module + its worker, same folder),
    # IndexedDB queue, Ed25519 fallback where WebCrypto lacks it.
    ("qr-scanner/qr-scanner.min.js", "qr-scanner/qr-scanner.min.js"),
    ("qr-scanner/qr-scanner-worker.min.js", "qr-scanner/qr-scanner-worker.min.js"),
    ("idb/build/index.js", "idb/idb.js"),
    ("@noble/ed25519/index.js", "noble-ed25519/ed25519.js"),
]


def main():
    VENDOR.mkdir(parents=True, exist_ok=True)
    missing = []
    for source, target in ASSETS:
        path = ROOT / "node_modules" / source
        if not path.exists():
            missing.append(source)
            continue
        destination = VENDOR / target
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination)
    if missing:
        sys.exit("missing front-end files (run npm ci): " + ", ".join(missing))


if __name__ == "__main__":
    main()
