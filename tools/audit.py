"""Dependency audit: pip-audit, or the package registry's own advisories when pip-audit cannot.

pip-audit asks PyPI for advisories per installed version (`/pypi/NAME/VERSION/json`). Where
the registry serves only `/pypi/NAME/json` (as the mirror on these machines does), pip-audit
reports every package as "not found" and audits nothing. Then this tool reads that document:
its `vulnerabilities` are PyPI's advisories for the newest release, which is the installed
one for every package that is up to date. A package that is not up to date cannot be audited
that way: it fails the audit unless it is pinned on purpose (PINNED, with the reason) or held
back by what another installed package requires (named in the output).

Exit status 0 when nothing is vulnerable and everything was audited; 1 otherwise.
Usage: python tools/audit.py [--index https://pypi.org]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from importlib.metadata import distributions
from typing import Any

import httpx
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

# Older on purpose; each pin is explained where it is made (pyproject.toml).
PINNED = {
    "pylode": "3.3.4: newer releases fail on import under Python 3.11",
}
OWN = {"coprod"}


def pip_audit() -> tuple[int, list[dict[str, Any]]]:
    """pip-audit's exit status and its per-package findings (JSON)."""
    done = subprocess.run(
        [sys.executable, "-m", "pip_audit", "--skip-editable", "--progress-spinner", "off",
         "--format", "json"],
        capture_output=True, text=True, check=False,
    )
    try:
        found = json.loads(done.stdout or "{}").get("dependencies", [])
    except json.JSONDecodeError:
        found = []
    return done.returncode, found


def held_back_by(name: str, latest: str) -> list[str]:
    """Installed packages whose requirements exclude `latest` of `name`."""
    holders = []
    for dist in distributions():
        for line in dist.requires or []:
            try:
                requirement = Requirement(line)
            except InvalidRequirement:
                continue
            if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
                continue
            if canonicalize_name(requirement.name) == name and requirement.specifier and (
                not requirement.specifier.contains(latest, prereleases=True)
            ):
                holders.append(f"{dist.metadata['Name']} ({requirement.specifier})")
    return holders


def registry_document(index: str, name: str) -> dict[str, Any]:
    answer = httpx.get(f"{index}/pypi/{name}/json", timeout=60, follow_redirects=True)
    answer.raise_for_status()
    document: dict[str, Any] = answer.json()
    return document


def registry_audit(index: str) -> int:
    """Audit every installed distribution against the registry's advisories; print a table."""
    installed: dict[str, str] = {
        canonicalize_name(d.metadata["Name"]): d.version for d in distributions()
    }
    names = sorted(n for n in installed if n not in OWN)

    def one(name: str) -> tuple[str, str, str, list[str]]:
        try:
            document = registry_document(index, name)
        except (httpx.HTTPError, ValueError) as exc:
            return name, installed[name], "", [f"cannot read the registry: {exc}"]
        latest = document["info"]["version"]
        advisories = [
            f"{v.get('id')} (fixed in {', '.join(v.get('fixed_in') or []) or 'no release'})"
            for v in document.get("vulnerabilities") or []
        ]
        return name, installed[name], latest, advisories

    with ThreadPoolExecutor(max_workers=16) as pool:
        rows = list(pool.map(one, names))
    failures = 0
    for name, version, latest, advisories in rows:
        if advisories and version == latest:
            failures += 1
            print(f"VULNERABLE  {name} {version}: {'; '.join(advisories)}")
        elif not latest:
            failures += 1
            print(f"NOT AUDITED {name} {version}: {advisories[0]}")
        elif version != latest:
            holders = held_back_by(name, latest)
            if name in PINNED or holders:
                reason = PINNED.get(name) or f"held back by {', '.join(holders)}"
                print(f"pinned      {name} {version} (newest {latest}): {reason}; "
                      "its advisories are not served here")
            else:
                failures += 1
                print(f"NOT AUDITED {name} {version}: the newest is {latest}; upgrade it")
    audited = sum(1 for _, version, latest, _ in rows if version == latest)
    print(f"{audited} of {len(rows)} packages audited against the registry's advisories, "
          f"{failures} problem(s)")
    return 1 if failures else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", default="https://pypi.org")
    args = parser.parse_args()
    status, found = pip_audit()
    skipped = [d for d in found if d.get("skip_reason")]
    if found and len(skipped) < len(found) / 2:
        vulnerable = [d for d in found if d.get("vulns")]
        for dep in vulnerable:
            ids = ", ".join(v["id"] for v in dep["vulns"])
            print(f"VULNERABLE  {dep['name']} {dep['version']}: {ids}")
        print(f"pip-audit: {len(found) - len(skipped)} packages audited, "
              f"{len(vulnerable)} vulnerable, {len(skipped)} skipped")
        return 1 if vulnerable or status not in (0, 1) else 0
    print("pip-audit could not read per-version advisories from the registry "
          f"({len(skipped)} of {len(found)} packages skipped); reading the registry's own")
    return registry_audit(args.index.rstrip("/"))


if __name__ == "__main__":
    sys.exit(main())
