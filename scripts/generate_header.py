#!/usr/bin/env python3
"""Generate include/sparsevar.h, the C header of libsparsevar, from the Swift sources.

    python3 scripts/generate_header.py            # (re)write include/sparsevar.h
    python3 scripts/generate_header.py --check    # exit 1 with a diff when the header is stale
    python3 scripts/generate_header.py --check --swiftpm-arguments build/swiftpm-arguments.txt
                                                  # the same from CMake's build (scripts/test.sh)

How it works
------------
1. `swift build --product sparsevar` (debug, in --scratch-path, default $SPARSEVAR_SWIFTPM_SCRATCH
   or `.build`: a no-op after `swift build`/`swift test`) builds the library and the modules it imports.
   With --swiftpm-arguments FILE (default $SPARSEVAR_SWIFTPM_ARGUMENTS), the SwiftPM arguments
   CMake writes to <build>/swiftpm-arguments.txt (one per line: its scratch path, configuration
   and compiler flags; `swift build` with them builds what CMake built) are used instead, so that
   the build CMake made is reused: a no-op after the CMake build (scripts/test.sh), where other
   flags would recompile every module.
2. The compile command SwiftPM used for CSparseVAR is read from its llbuild manifest
   (<scratch>/<configuration>.yaml), so that every package setting (language mode, defines,
   module maps of the C targets, include paths) is honoured, and rerun as a type-check only with
   `-emit-clang-header-path`: swiftc prints every `@c` function and `@c enum` into a header that
   depends on Swift's macro prelude (SWIFT_EXTERN, SWIFT_ENUM_NAMED, _Nullable, ...).
3. The C section of that header is parsed and printed again as plain C99 that also compiles as
   C++ (`-Wall -Wextra -Werror -pedantic`), into the template scripts/sparsevar.h.in:
   - functions: `SPARSEVAR_API <declaration>;` inside the template's `extern "C"` guards, without
     nullability qualifiers or Swift attributes; `T const *` is spelled `const T *`, and a trailing
     `_` that swiftc (or the Swift source) adds to a parameter name is dropped when the name is
     not a C or C++ keyword (`out_` -> `out`, `var_` -> `var`, but `class_` stays);
   - handle types: every `typedef struct sparsevar_x { ... } sparsevar_x;` of the C headers the
     Swift header includes (Sources/_SparseVARHandles/include) becomes the opaque
     `typedef struct sparsevar_x sparsevar_x;`, with its `/** */` doc comment;
   - enums: see "Enum constants" below;
   - doc comments are taken from the Swift sources (the `///` lines right above each `@c`
     declaration and above each enum case), verbatim: swiftc's copy in its header is re-rendered
     Markdown (`*` becomes <em>, quotes become typographic), which is not what C readers expect.
     Only when a declaration has no `///` comment in the source is swiftc's copy used.
4. Order: handle types, then enums, then functions. Enums and functions are grouped by the Swift
   file that declares them, in source order. Status.swift comes first (status codes, errors and
   versions concern every caller); then the files that create a handle (a function with a
   `sparsevar_x **out` parameter), in the order in which the handle header declares the handle
   types (so the handle header's order is the reading order of the objects); then the other
   files; ties go by path. Each group of functions opens with the description from the file's
   `//===--- Name.swift ---===//` banner.
5. Parameter constants (`sparsevar_var_param`, `sparsevar_test_param`,
   `sparsevar_autoencoder_param`) are not Swift enums: they are the rows of the core's parameter
   tables, read from the library just built through `sparsevar_param_table` (ctypes on
   <scratch>/<configuration>/libsparsevar.so, or --library). Each table becomes a constant group
   placed first among the enums of the Swift file that declares its setter; a row's comment is its
   documentation followed by its kind, bounds and default (a choice's default is named through the
   value enum whose cases are the choice's options, as sparsevar_training_mode), and
   "Architecture." for rows fixed once a model has been trained.
6. The version macros come from Sources/SparseVAR/Support/Version.swift (major, minor, patch and
   string, which must agree).

Enum constants
--------------
A Swift `@c(sparsevar_<thing>) enum E: Int32 { case fooBar = 7 }` becomes

    typedef int32_t sparsevar_<thing>;
    enum {
      SPARSEVAR_<THING>_FOO_BAR = 7
    };

where the case name goes from lowerCamelCase to UPPER_SNAKE_CASE (a `_` before every capital that
follows a lower-case letter or digit, and before the last capital of a run of capitals followed
by a lower-case letter: epsGamma -> EPS_GAMMA, l1Ratio -> L1_RATIO, useBLASThreads ->
USE_BLAS_THREADS). The status enum, `sparsevar_status`, drops its THING: a case with a
negative value is SPARSEVAR_E_<CASE> and any other case SPARSEVAR_<CASE> (ok -> SPARSEVAR_OK,
invalidArgument = -1 -> SPARSEVAR_E_INVALID_ARGUMENT). Plain constants instead of a C enum type
keep the type of a parameter or result a fixed-width int32_t in C and C++ alike.

What the Swift code must follow
-------------------------------
- Export with `@c public func sparsevar_...` (not `@_cdecl`, which swiftc prints only for
  Objective-C) and `@c(sparsevar_...) public enum E: Int32`; every name starts with `sparsevar_`.
- Put the `///` doc comment directly above the declaration (attributes may sit in between).
- Handle types are `typedef struct sparsevar_x { char opaque_; } sparsevar_x;` in
  Sources/_SparseVARHandles/include, each with a `/** ... */` comment above it.
- Use C types in signatures (Int64, Int32, Double, Float, UInt8, pointers to them and to handles,
  `@convention(c)` callbacks); anything swiftc can only print with Swift macros is rejected here.
"""

from __future__ import annotations

import argparse
import ctypes
import difflib
import json
import os
import re
import subprocess
import sys
import tempfile
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "scripts" / "sparsevar.h.in"
OUTPUT = ROOT / "include" / "sparsevar.h"
VERSION_SWIFT = ROOT / "Sources" / "SparseVAR" / "Support" / "Version.swift"
MODULE = "CSparseVAR"
PREFIX = "sparsevar_"
STATUS_ENUM = "sparsevar_status"
FIRST_FILES = ("Status.swift",)  # these source files open the header (see order_files)
WRAP = 100  # longer declarations get their parameters on a second line, or one per line

# Names a parameter cannot take in C or C++; a trailing `_` after one of them is kept.
C_CXX_KEYWORDS = set(
    """alignas alignof and and_eq asm auto bitand bitor bool break case catch char char8_t
    char16_t char32_t class compl concept const consteval constexpr constinit const_cast continue
    co_await co_return co_yield decltype default delete do double dynamic_cast else enum explicit
    export extern false float for friend goto if inline int long mutable namespace new noexcept
    not not_eq nullptr operator or or_eq private protected public register reinterpret_cast
    requires restrict return short signed sizeof static static_assert static_cast struct switch
    template this thread_local throw true try typedef typeid typename union unsigned using virtual
    void volatile wchar_t while xor xor_eq _Alignas _Alignof _Atomic _Bool _Complex _Generic
    _Imaginary _Noreturn _Static_assert _Thread_local""".split()
)


class GenerationError(Exception):
    """A problem the person running the script must fix; printed without a traceback."""


# ------------------------------------------------------------------------------------------------
# Running swiftc


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise GenerationError(
            f"command failed ({result.returncode}): {' '.join(cmd)}\n{result.stdout}{result.stderr}"
        )
    return result


@dataclass
class SwiftPMBuild:
    """Where and how the package is built: scratch path, configuration, further arguments."""

    scratch: Path
    configuration: str = "debug"
    arguments: list[str] = field(default_factory=list)  # e.g. -Xswiftc flags

    @staticmethod
    def from_file(path: Path) -> "SwiftPMBuild":
        """The build CMake describes in <build>/swiftpm-arguments.txt (one argument per line)."""
        if not path.is_file():
            raise GenerationError(f"{path} not found: configure the CMake build first")
        lines = [line for line in path.read_text().splitlines() if line]
        build = SwiftPMBuild(scratch=Path())
        i = 0
        while i < len(lines):
            if lines[i] in ("--scratch-path", "--configuration", "-c") and i + 1 < len(lines):
                if lines[i] == "--scratch-path":
                    build.scratch = Path(lines[i + 1])
                else:
                    build.configuration = lines[i + 1]
                i += 2
            else:
                build.arguments.append(lines[i])
                i += 1
        if build.scratch == Path():
            raise GenerationError(f"{path} names no --scratch-path")
        return build


def manifest_compile_args(build: SwiftPMBuild) -> list[str]:
    """The swiftc command SwiftPM runs to compile MODULE, from the llbuild manifest."""
    manifest = build.scratch / f"{build.configuration}.yaml"
    if not manifest.is_file():
        raise GenerationError(
            f"{manifest} not found: did `swift build -c {build.configuration}` run with this scratch path?")
    for match in re.finditer(r"^\s*args: (\[.*\])\s*$", manifest.read_text(), re.M):
        args = json.loads(match.group(1))
        if "-emit-module" in args and "-module-name" in args:
            if args[args.index("-module-name") + 1] == MODULE:
                return args
    raise GenerationError(f"no compile command for module {MODULE} in {manifest}")


# Flags of SwiftPM's compile command that produce outputs or drive incremental builds: removed.
DROP_FLAGS = {
    "-c", "-emit-dependencies", "-emit-module", "-emit-objc-header", "-enable-batch-mode",
    "-enable-testing", "-incremental", "-parseable-output", "-serialize-diagnostics",
    "-whole-module-optimization", "-wmo",
}
DROP_FLAGS_WITH_VALUE = {
    "-emit-clang-header-path", "-emit-module-path", "-emit-objc-header-path", "-index-store-path",
    "-output-file-map", "-o",
}


def module_inputs(args: list[str]) -> tuple[list[Path], list[Path]]:
    """The Swift sources and the C include directories of a swiftc command line."""
    sources, include_dirs = [], []
    for i, arg in enumerate(args):
        if arg.startswith("@"):  # the response file listing the module's sources
            sources += [Path(line) for line in Path(arg[1:]).read_text().split("\n") if line]
        elif arg.endswith(".swift"):
            sources.append(Path(arg))
        elif args[i : i + 3] == ["-Xcc", "-I", "-Xcc"] and i + 3 < len(args):
            include_dirs.append(Path(args[i + 3]))
        elif arg == "-Xcc" and i + 1 < len(args) and re.fullmatch(r"-I.+", args[i + 1]):
            include_dirs.append(Path(args[i + 1][2:]))
    return [Path(os.path.realpath(s)) for s in sources], include_dirs


def swift_generated_header(build: SwiftPMBuild) -> str:
    """Builds the package's CSparseVAR target, then returns swiftc's header for the module."""
    swift = os.environ.get("SWIFT", "swift")
    # A CMake build's arguments may select what to build (--build-tests), which excludes --product:
    # then the whole build is brought up to date, a no-op right after CMake's. Else the library
    # product, whose parameter tables are read (parameter_tables).
    selection = [] if "--build-tests" in build.arguments else ["--product", "sparsevar"]
    run([swift, "build", *selection, "--scratch-path", str(build.scratch),
         "--configuration", build.configuration, *build.arguments])
    args = manifest_compile_args(build)
    command = []
    i = 0
    while i < len(args):
        if args[i] in DROP_FLAGS or re.fullmatch(r"-j\d+", args[i]):
            i += 1
        elif args[i] in DROP_FLAGS_WITH_VALUE:
            i += 2
        else:
            command.append(args[i])
            i += 1
    with tempfile.TemporaryDirectory() as tmp:
        header = Path(tmp) / f"{MODULE}-Swift.h"
        run(command + ["-typecheck", "-emit-clang-header-path", str(header)])
        return header.read_text()


def parameter_tables(library: Path) -> dict:
    """The library's parameter tables (sparsevar_param_table), as parsed JSON."""
    if not library.is_file():
        raise GenerationError(f"{library} not found: build the library first (or pass --library)")
    try:
        cdll = ctypes.CDLL(str(library))
        function = cdll.sparsevar_param_table
    except (OSError, AttributeError) as error:
        raise GenerationError(f"cannot read the parameter tables of {library}: {error}") from None
    function.restype = ctypes.c_int32
    function.argtypes = [ctypes.c_char_p, ctypes.c_int64, ctypes.POINTER(ctypes.c_int64)]
    length = ctypes.c_int64()
    if function(None, 0, ctypes.byref(length)) != 0:
        raise GenerationError(f"{library}: sparsevar_param_table failed")
    buffer = ctypes.create_string_buffer(length.value + 1)
    if function(buffer, len(buffer), None) != 0:
        raise GenerationError(f"{library}: sparsevar_param_table failed")
    return json.loads(buffer.value.decode())


# ------------------------------------------------------------------------------------------------
# Parsing the Swift sources: doc comments, order, file banners


@dataclass
class SwiftDecl:
    name: str  # C name
    doc: list[str]  # `///` lines, without indentation
    file: Path
    index: int  # position in the file
    case_docs: dict[str, list[str]] = field(default_factory=dict)  # enum case -> doc


@dataclass
class SwiftFile:
    path: Path
    description: list[str]
    decls: list[SwiftDecl]


ATTRIBUTE = r"@\w+(?:\([^()]*\))?"
DECL_RE = re.compile(
    r"^[ \t]*((?:" + ATTRIBUTE + r"\s+)*)"
    r"(?:(?:public|package|internal|fileprivate|private|final|nonisolated)\s+)*"
    r"(func|enum)\s+`?(\w+)`?"
)
C_ATTRIBUTE_RE = re.compile(r"@c(?:\((\w+)\))?(?=\s)")


def doc_block(lines: list[str], end: int) -> list[str]:
    """The `///` lines right above line `end` (attribute-only lines may sit in between)."""
    i = end - 1
    while i >= 0 and re.fullmatch(r"\s*(" + ATTRIBUTE + r"\s*)+", lines[i]):
        i -= 1
    doc = []
    while i >= 0 and lines[i].lstrip().startswith("///"):
        doc.insert(0, lines[i].strip())
        i -= 1
    return doc


def enum_case_docs(lines: list[str], start: int) -> dict[str, list[str]]:
    """Doc comments of the cases of the enum whose declaration starts at line `start`."""
    docs: dict[str, list[str]] = {}
    depth, i = 0, start
    while i < len(lines):
        code = re.sub(r"//.*", "", lines[i])
        code = re.sub(r'"(?:[^"\\]|\\.)*"', '""', code)
        match = re.match(r"\s*case\s+(.*)", code)
        if depth == 1 and match:
            for part in match.group(1).split(","):
                name = re.match(r"\s*`?(\w+)`?", part)
                if name:
                    docs[name.group(1)] = doc_block(lines, i)
        depth += code.count("{") - code.count("}")
        if depth <= 0 and "}" in code:
            break
        i += 1
    return docs


def file_description(lines: list[str]) -> list[str]:
    """The text of a `//===--- Name.swift ---===//` banner, without the `//` markers."""
    if not lines or not lines[0].startswith("//===-"):
        return []
    text = []
    for line in lines[1:]:
        if line.startswith("//===-") or not line.startswith("//"):
            break
        text.append(line[2:].strip())
    while text and not text[0]:
        text.pop(0)
    while text and not text[-1]:
        text.pop()
    return text


def parse_swift(sources: list[Path]) -> list[SwiftFile]:
    files = []
    for path in sources:
        lines = path.read_text().split("\n")
        decls = []
        for number, line in enumerate(lines):
            match = DECL_RE.match(line)
            if not match:
                continue
            # The attributes may also stand on the lines above the declaration.
            attributes = match.group(1)
            j = number - 1
            while j >= 0 and re.fullmatch(r"\s*(" + ATTRIBUTE + r"\s*)+", lines[j]):
                attributes = lines[j] + " " + attributes
                j -= 1
            c_attribute = C_ATTRIBUTE_RE.search(attributes + " ")
            if not c_attribute:
                continue
            kind, swift_name = match.group(2), match.group(3)
            decl = SwiftDecl(c_attribute.group(1) or swift_name, doc_block(lines, number), path, len(decls))
            if kind == "enum":
                decl.case_docs = enum_case_docs(lines, number)
            decls.append(decl)
        files.append(SwiftFile(path, file_description(lines), decls))
    return files


def order_files(files: list[SwiftFile], functions: list["CFunction"], handles: list[str]) -> list[SwiftFile]:
    """FIRST_FILES first; then the files that create a handle (a `sparsevar_x **` parameter), in
    the order of the handle types in their C header; then the others; ties by path."""
    file_of = {d.name: f.path for f in files for d in f.decls}
    rank: dict[Path, int] = {}
    for function in functions:
        for created in re.findall(r"\b(\w+) \*\*", function.declaration):
            if created in handles and function.name in file_of:
                path = file_of[function.name]
                rank[path] = min(rank.get(path, len(handles)), handles.index(created))

    def key(f: SwiftFile):
        if f.path.name in FIRST_FILES:
            return (0, FIRST_FILES.index(f.path.name), str(f.path))
        return (1, rank.get(f.path, len(handles)), str(f.path))

    return sorted(files, key=key)


# ------------------------------------------------------------------------------------------------
# Parsing swiftc's header


@dataclass
class CEnum:
    name: str
    ctype: str
    cases: list[tuple[str, str, list[str]]]  # (swift case name, value, header doc)
    doc: list[str]


@dataclass
class CFunction:
    name: str
    declaration: str  # cleaned, without `SPARSEVAR_API` and `;`
    doc: list[str]
    deprecated: str | None  # SPARSEVAR_DEPRECATED(...) argument


def c_section(header: str) -> str:
    """The part of swiftc's header between `extern "C" {` and `} // extern "C"`."""
    match = re.search(r'extern "C" \{\n#endif\n(.*?)\n#if defined\(__cplusplus\)\n\} // extern "C"', header, re.S)
    if not match:
        raise GenerationError('swiftc header: no `extern "C"` section found (has the format changed?)')
    rest = header[: match.start()] + header[match.end():]
    stray = re.findall(r"^SWIFT_EXTERN [^;\n]*?\b(\w+)\(", rest, re.M)
    if stray:
        raise GenerationError(
            f"{', '.join(stray)}: printed outside the C section of the Swift header, probably "
            "because of @_cdecl; export C functions with @c (SE-0495) instead"
        )
    return match.group(1)


def clean_type_text(text: str) -> str:
    """Swift's spelling of a C declaration -> plain C: no nullability, `const T *`, `T *name`."""
    text = re.sub(r"\s*\b_(?:Nullable_result|Nullable|Nonnull|Null_unspecified)\b", "", text)
    text = re.sub(r"\bSWIFT_ENUM_TAG\s+", "", text)
    text = re.sub(r"\bSWIFT_NOESCAPE\s+", "", text)
    # `T const` -> `const T` for the base type of a declaration (at the start or after `(` or `,`).
    text = re.sub(r"(^|[(,]\s*)((?:(?:unsigned|signed|struct|enum)\s+)?\w+) const\b", r"\1const \2", text)
    text = re.sub(r"\*\s+", "*", text)
    text = re.sub(r"\s+", " ", text).strip()
    leftover = re.findall(r"\bSWIFT_\w+", text)
    if leftover:
        raise GenerationError(f"cannot print {leftover} in plain C: {text}")
    return text


def split_top_level(text: str) -> list[str]:
    """Splits a parameter list at the commas that are not inside parentheses."""
    parts, depth, current = [], 0, ""
    for ch in text:
        if ch == "," and depth == 0:
            parts.append(current.strip())
            current = ""
            continue
        depth += (ch == "(") - (ch == ")")
        current += ch
    if current.strip():
        parts.append(current.strip())
    return parts


def rename_parameter(parameter: str, taken: set[str]) -> str:
    """Drops a trailing `_` from a parameter name (`out_` -> `out`) unless it guards a keyword."""
    match = re.search(r"\b(\w+)_(\)?(?:\([^()]*\))?)$", parameter)  # plain name or (*name)(...)
    if not match:
        return parameter
    base = match.group(1)
    if base in C_CXX_KEYWORDS or base in taken or not re.match(r"[A-Za-z]", base):
        return parameter
    return parameter[: match.start()] + base + match.group(2)


def parse_header(section: str) -> tuple[list[CEnum], list[CFunction]]:
    enums, functions = [], []
    pos = 0
    pending_doc: list[str] = []
    enum_re = re.compile(
        r'typedef SWIFT_ENUM(?:_NAMED)?\((\w+), (\w+),(?: "\w+",)? (?:closed|open)\) \{\n(.*?)\n\};', re.S
    )
    func_re = re.compile(r"SWIFT_EXTERN (.*?);\n")
    while pos < len(section):
        line_end = section.find("\n", pos)
        line_end = len(section) if line_end < 0 else line_end
        line = section[pos:line_end]
        if not line.strip():
            pending_doc = []
            pos = line_end + 1
            continue
        if line.startswith("///"):
            pending_doc.append(line.strip())
            pos = line_end + 1
            continue
        match = enum_re.match(section, pos)
        if match:
            ctype, name, body = match.groups()
            cases, case_doc = [], []
            for case_line in body.split("\n"):
                case_line = case_line.strip()
                if case_line.startswith("///"):
                    case_doc.append(case_line)
                    continue
                case = re.fullmatch(r"(\w+) = (-?\w+),?", case_line)
                if not case or not case.group(1).startswith(name):
                    raise GenerationError(f"enum {name}: cannot parse case `{case_line}`")
                suffix = case.group(1)[len(name):]
                cases.append((suffix[:1].lower() + suffix[1:], case.group(2), case_doc))
                case_doc = []
            enums.append(CEnum(name, ctype, cases, pending_doc))
            pending_doc = []
            pos = match.end() + 1
            continue
        match = func_re.match(section, pos)
        if match:
            text = match.group(1)
            deprecated = None
            dep = re.search(r"\s*SWIFT_DEPRECATED(?:_MSG\((.*?)\))?(?=\s|$)", text)
            if dep:
                deprecated = dep.group(1) or '"deprecated"'
                text = text[: dep.start()] + text[dep.end():]
            text = re.sub(r"\s*\bSWIFT_(?:NOEXCEPT|WARN_UNUSED_RESULT|EXTERN)\b", "", text)
            decl = re.fullmatch(r"(.*?)\b(\w+)\((.*)\)", text.strip(), re.S)
            if not decl:
                raise GenerationError(f"cannot parse the declaration `{text}`")
            result, name, params = decl.groups()
            cleaned = [clean_type_text(p) for p in split_top_level(params)]
            names = {m.group(1) for p in cleaned if (m := re.search(r"(\w+)\)?(?:\([^()]*\))?$", p))}
            cleaned = [rename_parameter(p, names) for p in cleaned]
            result = clean_type_text(result)
            separator = "" if result.endswith("*") else " "
            functions.append(CFunction(name, f"{result}{separator}{name}({', '.join(cleaned)})", pending_doc, deprecated))
            pending_doc = []
            pos = match.end()
            continue
        raise GenerationError(f"swiftc header: unsupported construct in the C section: `{line}`")
    return enums, functions


def handle_types(header: str, include_dirs: list[Path]) -> list[tuple[str, list[str]]]:
    """Opaque handle typedefs from the C headers swiftc's header includes: (name, doc lines)."""
    c_branch = re.search(r"#elif defined\(__OBJC__\)\n(?:#import <[^>]+>\n)+#else\n((?:#include <[^>]+>\n)+)#endif", header)
    includes = re.findall(r"#include <([^>]+)>", c_branch.group(1)) if c_branch else []
    handles = []
    for include in includes:
        candidates = [d / include for d in include_dirs if (d / include).is_file()]
        if not candidates:
            raise GenerationError(
                f"the Swift header includes <{include}>, which is not a header of this package: "
                "C signatures may only use C scalar types, pointers and the handle types"
            )
        text = candidates[0].read_text()
        body = re.sub(r"^\s*#.*$", "", text, flags=re.M)
        for match in re.finditer(r"(/\*\*(?:(?!\*/).)*\*/\s*)?typedef struct (\w+) \{[^}]*\} (\w+);", body, re.S):
            doc, tag, name = match.groups()
            if tag != name or not name.startswith(PREFIX):
                raise GenerationError(f"{candidates[0]}: handle `{name}` must be `typedef struct {PREFIX}x {{...}} {PREFIX}x;`")
            handles.append((name, [line.strip() for line in (doc or "").strip().split("\n") if line.strip()]))
        rest = re.sub(r"/\*.*?\*/", "", body, flags=re.S)
        rest = re.sub(r"typedef struct (\w+) \{[^}]*\} \w+;", "", rest)
        if rest.strip():
            raise GenerationError(f"{candidates[0]}: only `typedef struct` handle types are supported, found `{rest.strip()[:80]}`")
    return handles


# ------------------------------------------------------------------------------------------------
# Printing


def upper_snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).upper()


def constant_name(enum: str, case: str, value: str) -> str:
    if not enum.startswith(PREFIX):
        raise GenerationError(f"enum `{enum}` must be named `{PREFIX}...` with @c({PREFIX}...)")
    if enum == STATUS_ENUM:
        return ("SPARSEVAR_E_" if value.startswith("-") else "SPARSEVAR_") + upper_snake(case)
    return f"SPARSEVAR_{enum[len(PREFIX):].upper()}_{upper_snake(case)}"


def banner(title: str, description: list[str]) -> list[str]:
    rule = "=" * (WRAP - 6)
    lines = ["", f"/* {rule}", f" * {title}"]
    if description:
        lines.append(" *")
        lines += [f" * {line}".rstrip() for line in description]
    lines.append(f" * {rule} */")
    return lines


def header_doc(doc: list[str]) -> list[str]:
    """swiftc's re-rendered copy of a doc comment, back to ASCII (used only as a fallback)."""
    table = {"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'", "<em>": "*", "</em>": "*",
             "<code>": "`", "</code>": "`", "<strong>": "**", "</strong>": "**"}
    out = []
    for line in doc:
        for old, new in table.items():
            line = line.replace(old, new)
        out.append(line)
    return out


def format_function(function: CFunction) -> list[str]:
    head = "SPARSEVAR_API "
    tail = f" SPARSEVAR_DEPRECATED({function.deprecated});" if function.deprecated else ";"
    one_line = head + function.declaration + tail
    if len(one_line) <= WRAP:
        return [one_line]
    match = re.fullmatch(r"(.*?\()(.*)\)", function.declaration, re.S)
    params = split_top_level(match.group(2))
    continuation = f"    {', '.join(params)}){tail}"
    if len(continuation) <= WRAP:  # all parameters fit on the second line
        return [head + match.group(1), continuation]
    return [head + match.group(1)] + [f"    {p}," for p in params[:-1]] + [f"    {params[-1]}){tail}"]


def number_text(value: float) -> str:
    """A bound or default as the comments write it: 5, 0.01, 1e15."""
    if value == int(value) and abs(value) < 1e6:
        return str(int(value))
    return re.sub(r"e\+?(-?)0*(\d)", r"e\1\2", f"{value:g}")


def comment(text: str, indent: str) -> list[str]:
    """`text` as `///` lines of at most WRAP columns."""
    width = WRAP - len(indent) - 4
    lines = textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)
    return [f"{indent}/// {line}".replace("\u00a0", " ") for line in lines]


def parameter_text(row: dict, value_enums: dict[tuple[str, ...], tuple[str, list[str]]]) -> str:
    """A parameter row's comment: its documentation, then kind, bounds and default."""
    default = row["default"]
    if row["kind"] == "choice":
        match = value_enums.get(tuple(option.upper() for option in row["options"]))
        if match:
            values = f"a {match[0]} value, default {match[1][int(default)]}."
        else:
            options = ", ".join(f"{i} = {name}" for i, name in enumerate(row["options"]))
            values = f"one of {options}; default {int(default)}."
    elif row["kind"] == "flag":
        values = f"0 or 1, default {int(default)}."
    else:
        opening = "(" if row["lower_exclusive"] else "["
        closing = "inf)" if row["upper"] is None else f"{number_text(row['upper'])}]"
        kind = "integer" if row["kind"] == "integer" else "real"
        # A no-break space keeps the range on one line; comment() turns it back into a space.
        values = f"{kind} in {opening}{number_text(row['lower'])},\u00a0{closing}, default {number_text(default)}."
    text = f"{row['doc']} Values: {values}"
    return text + (" Architecture." if row["architecture"] else "")


def table_enum_lines(table: dict, value_enums: dict[tuple[str, ...], tuple[str, list[str]]]) -> list[str]:
    """The constant group of one parameter table."""
    lines = comment(table["doc"], "") + [f"typedef int32_t {table['type']};", "enum {"]
    rows = table["parameters"]
    for k, row in enumerate(rows):
        lines += comment(parameter_text(row, value_enums), "  ")
        lines.append(f"  {row['constant']} = {row['id']}" + ("," if k + 1 < len(rows) else ""))
    return lines + ["};"]


def render(
    header: str, sources: list[Path], include_dirs: list[Path], tables: dict
) -> tuple[str, str]:
    """The declarations for the template, and the extra #include/#define lines they need."""
    enums, functions = parse_header(c_section(header))
    handles = handle_types(header, include_dirs)
    files = order_files(parse_swift(sources), functions, [name for name, _ in handles])
    swift_decls = {d.name: d for f in files for d in f.decls}

    for name in [e.name for e in enums] + [f.name for f in functions] + [h for h, _ in handles]:
        if not name.startswith(PREFIX):
            raise GenerationError(f"`{name}` is exported to C without the `{PREFIX}` prefix")

    def position(name: str):
        decl = swift_decls.get(name)
        if decl is None:
            return (len(files), 0, name)  # not found in the sources: at the end, alphabetically
        return ([f.path for f in files].index(decl.file), decl.index, name)

    def doc_of(name: str, fallback: list[str]) -> list[str]:
        decl = swift_decls.get(name)
        return decl.doc if decl and decl.doc else header_doc(fallback)

    out: list[str] = []
    if handles:
        out += banner("Handle types", ["Opaque: created and freed only by the library."])
        for name, doc in handles:
            out += [""] + doc + [f"typedef struct {name} {name};"]

    constants: dict[str, str] = {}
    groups: list[tuple[tuple, list[str]]] = []  # (position, lines) of every constant group
    value_enums: dict[tuple[str, ...], tuple[str, list[str]]] = {}  # case names -> (enum, constants)
    for enum in enums:
        decl = swift_decls.get(enum.name)
        lines = doc_of(enum.name, enum.doc) + [f"typedef {enum.ctype} {enum.name};", "enum {"]
        names = []
        for k, (case, value, case_doc) in enumerate(enum.cases):
            constant = constant_name(enum.name, case, value)
            if constant in constants:
                raise GenerationError(f"{constant} is defined by both {constants[constant]} and {enum.name}")
            constants[constant] = enum.name
            names.append(constant)
            doc = decl.case_docs.get(case) if decl else None
            lines += [f"  {line}" for line in (doc or header_doc(case_doc))]
            lines.append(f"  {constant} = {value}" + ("," if k + 1 < len(enum.cases) else ""))
        groups.append((position(enum.name), lines + ["};"]))
        if [int(value) for _, value, _ in enum.cases] == list(range(len(enum.cases))):
            value_enums[tuple(upper_snake(case) for case, _, _ in enum.cases)] = (enum.name, names)
    for table in tables.values():
        for row in table["parameters"]:
            if row["constant"] in constants:
                raise GenerationError(f"{row['constant']} is defined twice")
            constants[row["constant"]] = table["type"]
        file, _, _ = position(table["setter"])
        groups.append(((file, -1, table["type"]), table_enum_lines(table, value_enums)))
    if groups:
        out += banner(
            "Enumerations",
            ["Each is an int32_t type with its values as constants (pinned: they never change)."],
        )
        for _, lines in sorted(groups, key=lambda group: group[0]):
            out += [""] + lines

    by_file: dict[int, list[CFunction]] = {}
    for function in functions:
        by_file.setdefault(position(function.name)[0], []).append(function)
    for index in sorted(by_file):
        if index < len(files):
            source = files[index]
            title = f"{source.path.stem} ({source.path.relative_to(ROOT) if source.path.is_relative_to(ROOT) else source.path.name})"
            out += banner(title, source.description)
        else:
            out += banner("Other functions", [])
        for function in sorted(by_file[index], key=lambda f: position(f.name)):
            out += [""] + doc_of(function.name, function.doc) + format_function(function)

    for line in out:
        if line.rstrip().endswith("\\"):  # would splice the next line into a // comment
            raise GenerationError(f"a doc comment line ends with a backslash: {line}")
    declarations = "\n".join(out) + "\n"
    extra = "#ifndef __cplusplus\n#include <stdbool.h>\n#endif\n" if re.search(r"\bbool\b", declarations) else ""
    if any(f.deprecated for f in functions):
        extra += (
            "#if defined(__GNUC__)\n#  define SPARSEVAR_DEPRECATED(message) __attribute__((deprecated(message)))\n"
            "#else\n#  define SPARSEVAR_DEPRECATED(message)\n#endif\n"
        )
    return declarations, extra


def swift_version() -> dict[str, str]:
    text = VERSION_SWIFT.read_text()
    version = {}
    for part in ("major", "minor", "patch"):
        match = re.search(rf"static let {part}\s*=\s*(\d+)", text)
        if not match:
            raise GenerationError(f"{VERSION_SWIFT}: no `static let {part} = <number>`")
        version[part] = match.group(1)
    match = re.search(r'static let string\s*:\s*StaticString\s*=\s*"([^"]+)"', text)
    expected = f"{version['major']}.{version['minor']}.{version['patch']}"
    if not match or match.group(1) != expected:
        raise GenerationError(f"{VERSION_SWIFT}: `string` must be \"{expected}\"")
    return version


def generate(build: SwiftPMBuild, swift_header: Path | None, library: Path | None) -> str:
    header = swift_header.read_text() if swift_header else swift_generated_header(build)
    sources, include_dirs = module_inputs(manifest_compile_args(build))
    tables = parameter_tables(library or build.scratch / build.configuration / "libsparsevar.so")
    declarations, extra = render(header, sources, include_dirs, tables)
    version = swift_version()
    major, minor, patch = (int(version[k]) for k in ("major", "minor", "patch"))
    text = TEMPLATE.read_text()
    for key, value in {
        "VERSION_MAJOR": str(major),
        "VERSION_MINOR": str(minor),
        "VERSION_PATCH": str(patch),
        "VERSION_NUMBER": str(major * 10000 + minor * 100 + patch),
        "VERSION_STRING": f"{major}.{minor}.{patch}",
        "EXTRA_INCLUDES": extra,
        "DECLARATIONS": declarations,
    }.items():
        text = text.replace(f"@{key}@", value)
    # Substitutions that are empty leave a blank line behind; keep the output tidy.
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="do not write: exit 1 with a diff if the header is stale")
    parser.add_argument(
        "--scratch-path",
        type=Path,
        default=ROOT / os.environ.get("SPARSEVAR_SWIFTPM_SCRATCH", ".build"),
        help="SwiftPM scratch path (default: $SPARSEVAR_SWIFTPM_SCRATCH, else .build)",
    )
    parser.add_argument(
        "--swiftpm-arguments",
        type=Path,
        default=os.environ.get("SPARSEVAR_SWIFTPM_ARGUMENTS") or None,
        help="SwiftPM arguments of a CMake build, <build>/swiftpm-arguments.txt: use that build instead "
        "(default: $SPARSEVAR_SWIFTPM_ARGUMENTS)",
    )
    parser.add_argument("--swift-header", type=Path, help="use this swiftc-generated header instead of running swiftc")
    parser.add_argument(
        "--library", type=Path,
        help="libsparsevar.so whose parameter tables to read (default: <scratch>/<configuration>/libsparsevar.so)",
    )
    parser.add_argument("--output", type=Path, default=OUTPUT, help="header to write or check (default: include/sparsevar.h)")
    options = parser.parse_args()
    try:
        if options.swiftpm_arguments:
            build = SwiftPMBuild.from_file(options.swiftpm_arguments.resolve())
        else:
            build = SwiftPMBuild(scratch=options.scratch_path.resolve())
        text = generate(build, options.swift_header, options.library)
    except GenerationError as error:
        print(f"generate_header.py: error: {error}", file=sys.stderr)
        return 2
    current = options.output.read_text() if options.output.is_file() else ""
    if options.check:
        if current == text:
            print(f"{options.output}: up to date")
            return 0
        sys.stdout.writelines(
            difflib.unified_diff(
                current.splitlines(True), text.splitlines(True), f"{options.output} (committed)", f"{options.output} (generated)"
            )
        )
        print(f"\n{options.output} is stale: run `python3 scripts/generate_header.py` and commit the result.", file=sys.stderr)
        return 1
    if current != text:
        options.output.parent.mkdir(parents=True, exist_ok=True)
        options.output.write_text(text)
        print(f"wrote {options.output}")
    else:
        print(f"{options.output}: unchanged")
    return 0


if __name__ == "__main__":
    sys.exit(main())
