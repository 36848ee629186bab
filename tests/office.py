"""LibreOffice for the tests that open our exports in a real office program: absent on a
fresh machine (those tests skip), present where a developer installed it, and required on
CI (.ci/run installs it and sets QZFSG_REQUIRE_OFFICE=1, so a missing one fails)."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
REQUIRED = os.environ.get("QZFSG_REQUIRE_OFFICE", "") not in ("", "0")
needs_soffice = pytest.mark.skipif(
    SOFFICE is None and not REQUIRED, reason="LibreOffice (soffice) not installed"
)
needs_pdftotext = pytest.mark.skipif(
    shutil.which("pdftotext") is None and not REQUIRED, reason="pdftotext (poppler) not installed"
)


def soffice_convert(source: Path, folder: Path, to: str) -> Path:
    """Open `source` in LibreOffice and save it into `folder` as `to` ("pdf", or
    "xlsx:Calc MS Excel 2007 XML"), with its own profile so parallel runs do not clash."""
    done = subprocess.run(
        [
            str(SOFFICE),
            f"-env:UserInstallation={(folder / 'lo-profile').as_uri()}",
            "--headless",
            "--convert-to",
            to,
            "--outdir",
            str(folder),
            str(source),
        ],
        capture_output=True,
        timeout=120,
    )
    result = folder / f"{source.stem}.{to.split(':')[0]}"
    assert done.returncode == 0 and result.is_file(), done.stderr
    return result


def pdf_pages(path: Path) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", path.read_bytes()))
