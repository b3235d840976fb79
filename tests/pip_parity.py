"""Print, as JSON, what pip's own requirements-file parser reads from some files.

Used by tests/pip_parity.rs as the reference hashlock's parser is compared against.

Usage: python pip_parity.py FILE...

Prints one JSON object: {"pip": VERSION, "files": {FILE: RESULT}}, where RESULT is
either {"error": MESSAGE} or {"requirements": [...]}, one entry per requirement pip
yields (included files too; "file" says which file a requirement comes from):
file, line, requirement, editable, constraint, hashes ({algo: [digest]}),
config_settings ({key: value or [values]}), global_options ([value]), and
construct_error: what pip's install_req_from_parsed_requirement raised when it
built the requirement (the step where `packaging` reads it, egg fragments and
editables are checked), or null.

`${NAME}` references are expanded from this process's environment, as pip does.

Exits with status 3 when pip cannot be imported, so the caller can say how to get it.
"""

import json
import re
import sys

try:
    import pip
    from pip._internal.network.session import PipSession
    from pip._internal.req.constructors import install_req_from_parsed_requirement
    from pip._internal.req.req_file import parse_requirements
except ImportError as error:  # pragma: no cover - reported by the Rust test
    print(f"cannot import pip: {error}", file=sys.stderr)
    sys.exit(3)

# ParsedRequirement.comes_from is "-r FILE (line N)" or "-c FILE (line N)".
COMES_FROM = re.compile(r"^-[rc] (?P<file>.*) \(line (?P<line>\d+)\)$")


def read(path, session):
    """Every requirement pip reads from `path`, as plain data."""
    out = []
    for parsed in parse_requirements(path, session=session):
        match = COMES_FROM.match(parsed.comes_from)
        if match is None:
            raise ValueError(f"unexpected comes_from: {parsed.comes_from!r}")
        options = parsed.options or {}
        try:
            install_req_from_parsed_requirement(parsed)
            construct_error = None
        except Exception as error:  # pip's own refusals are data here
            construct_error = f"{type(error).__name__}: {error}"
        out.append(
            {
                "file": match["file"],
                "line": int(match["line"]),
                "requirement": parsed.requirement,
                "editable": parsed.is_editable,
                "constraint": parsed.constraint,
                "hashes": options.get("hashes") or {},
                "config_settings": options.get("config_settings") or {},
                "global_options": options.get("global_options") or [],
                "construct_error": construct_error,
            }
        )
    return out


def main(paths):
    session = PipSession()
    files = {}
    for path in paths:
        try:
            files[path] = {"requirements": read(path, session)}
        except (Exception, SystemExit) as error:  # pip's own parse errors are data here
            files[path] = {"error": f"{type(error).__name__}: {error}"}
    json.dump({"pip": pip.__version__, "files": files}, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main(sys.argv[1:])
