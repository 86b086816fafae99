"""nvcc: build an answer into a shared library, report diagnostics on the candidate's own lines and ptxas resources.

Builds are cached by a hash of the source, the flags, the target arch and the nvcc version.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Literal

from tutor.judge.models import CompileResult, Diagnostic, KernelResources

SOURCE_NAME = "solution.cu"
FLAGS = ("-O3", "-lineinfo", "-shared", "-Xcompiler", "-fPIC", "-Xptxas", "-v", "-std=c++17")
COMPILE_TIMEOUT_S = 180

# Compiled into the same library as the answer so that the judge reads the error state of the answer's own CUDA
# runtime (nvcc links the runtime statically into each library).
SHIM = r"""
#include <cuda_runtime.h>
extern "C" int judge_peek_last_error(void) { return (int)cudaPeekAtLastError(); }
extern "C" int judge_get_last_error(void) { return (int)cudaGetLastError(); }
extern "C" const char* judge_error_string(int code) { return cudaGetErrorString((cudaError_t)code); }
"""

# Headers an answer may never include: they would replace the kernel the problem asks for, or reach outside the judge.
ALWAYS_REFUSED = {
    "cublas": "cuBLAS", "cublasLt": "cuBLASLt", "cudnn": "cuDNN", "cutlass": "CUTLASS", "cute": "CuTe",
    "torch": "torch", "ATen": "ATen", "c10": "c10", "cusparse": "cuSPARSE", "cufft": "cuFFT", "cusolver": "cuSOLVER",
    "nccl": "NCCL",
}
# Headers refused unless the problem lists the library in allowed_libraries.
REFUSED_UNLESS_ALLOWED = {"cub": "cub", "thrust": "thrust"}
REFUSED_CALLS = {
    "dlopen": "loading other libraries at run time", "dlsym": "loading other libraries at run time",
    "system": "running programs", "popen": "running programs", "fork": "creating processes",
    "cudaDeviceReset": "resetting the device (it would destroy the judge's context)",
}
WARNED_CALLS = {
    "cudaStreamCreate": "creates its own stream: the judge times the default stream, and work left on another stream "
                        "is caught and fails",
    "cudaStreamCreateWithFlags": "creates its own stream: work left on another stream is caught and fails",
    "cudaMemcpy": "copies memory synchronously: copies of the data between host and device count in your time",
    "cudaMalloc": "allocates on every call: cudaMalloc synchronizes the device; prefer cudaMallocAsync on stream 0",
    "cudaSetDevice": "changes the device: the judge has already chosen it",
}

_ERROR = re.compile(r"^(?P<file>[^\s()]+)\((?P<line>\d+)\)(?::\s*|\s+)(?P<severity>error|warning|remark)"
                    r"(?:\s*#\w+-\w)?\s*:\s*(?P<message>.*)$")
_GCC = re.compile(r"^(?P<file>[^\s:]+):(?P<line>\d+):(?:(?P<column>\d+):)?\s*(?P<severity>error|warning|note)"
                  r":\s*(?P<message>.*)$")
_ENTRY = re.compile(r"ptxas info\s*:\s*(?:Compiling entry function|Function properties for) '?(?P<name>[\w$.]+)'?")
_FRAME = re.compile(r"(?P<stack>\d+) bytes stack frame, (?P<stores>\d+) bytes spill stores, (?P<loads>\d+) bytes spill loads")
_USED = re.compile(r"ptxas info\s*:\s*Used (?P<registers>\d+) registers")
_SMEM = re.compile(r"(?P<smem>\d+) bytes smem")
_CMEM = re.compile(r"(?P<cmem>\d+) bytes cmem\[0\]")


def nvcc_path() -> str | None:
    return shutil.which("nvcc")


@functools.cache
def nvcc_version() -> str:
    nvcc = nvcc_path()
    if nvcc is None:
        return "none"
    return subprocess.run([nvcc, "--version"], capture_output=True, text=True, timeout=60).stdout.strip().splitlines()[-1]


def build_key(source: str, arch: str) -> str:
    material = json.dumps({"source": source, "flags": FLAGS, "arch": arch, "nvcc": nvcc_version(), "shim": SHIM})
    return hashlib.sha256(material.encode()).hexdigest()[:32]


def compile_answer(source: str, arch: str, cache_dir: Path, allowed_libraries: list[str]) -> tuple[CompileResult, Path | None]:
    """The compile result and the shared library (None when it did not build or was refused)."""
    started = time.perf_counter()
    review = static_review(source, allowed_libraries)
    if any(d.severity == "error" for d in review):
        return CompileResult(ok=False, arch=arch, seconds=0.0, cached=False, review=review), None
    nvcc = nvcc_path()
    if nvcc is None:
        message = "nvcc was not found: install the CUDA toolkit and put nvcc on PATH"
        return CompileResult(ok=False, arch=arch, seconds=0.0, cached=False, review=review,
                             diagnostics=[Diagnostic(severity="error", message=message)]), None
    folder = cache_dir / build_key(source, arch)
    library, log_path = folder / "solution.so", folder / "build.json"
    if library.is_file() and log_path.is_file():
        saved = CompileResult.model_validate_json(log_path.read_text())
        return saved.model_copy(update={"cached": True, "seconds": time.perf_counter() - started, "review": review}), library
    folder.mkdir(parents=True, exist_ok=True)
    (folder / SOURCE_NAME).write_text(source)
    (folder / "judge_shim.cu").write_text(SHIM)
    command = [nvcc, f"-arch={arch}", *FLAGS, SOURCE_NAME, "judge_shim.cu", "-o", "solution.so.partial"]
    try:
        process = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=COMPILE_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        message = f"nvcc did not finish in {COMPILE_TIMEOUT_S} s"
        return CompileResult(ok=False, arch=arch, seconds=time.perf_counter() - started, cached=False, review=review,
                             diagnostics=[Diagnostic(severity="error", message=message)]), None
    output = process.stdout + process.stderr
    diagnostics = parse_diagnostics(output)
    ok = process.returncode == 0
    if not ok and not any(d.severity == "error" for d in diagnostics):
        diagnostics.append(Diagnostic(severity="error", message=output.strip()[-2000:] or "nvcc failed"))
    result = CompileResult(ok=ok, arch=arch, seconds=time.perf_counter() - started, cached=False,
                           diagnostics=diagnostics, kernels=parse_resources(output), review=review)
    if ok:
        (folder / "solution.so.partial").rename(library)
        log_path.write_text(result.model_dump_json())
    return result, library if ok else None


def parse_diagnostics(output: str) -> list[Diagnostic]:
    diagnostics = []
    lines = output.splitlines()
    for number, line in enumerate(lines):
        match = _ERROR.match(line.strip()) or _GCC.match(line.strip())
        if match is None or not match["file"].endswith(SOURCE_NAME):
            continue
        severity: Literal["error", "warning", "note"] = {"error": "error", "warning": "warning"}.get(  # type: ignore[assignment]
            match["severity"], "note")
        message = match["message"].strip()
        # nvcc prints the offending source line and a caret under it after the message; keep them as context.
        context = [text for text in lines[number + 1:number + 3] if text.startswith("  ") and text.strip()]
        if context:
            message += "\n" + "\n".join(context)
        column = match.groupdict().get("column")
        diagnostics.append(Diagnostic(severity=severity, message=message, line=int(match["line"]),
                                      column=int(column) if column else None))
    return diagnostics


def parse_resources(output: str) -> list[KernelResources]:
    kernels: dict[str, dict[str, int]] = {}
    current: str | None = None
    for line in output.splitlines():
        if entry := _ENTRY.search(line):
            current = entry["name"]
            kernels.setdefault(current, {})
        elif current is not None and (frame := _FRAME.search(line)):
            kernels[current].update(stack=int(frame["stack"]), stores=int(frame["stores"]), loads=int(frame["loads"]))
        elif current is not None and (used := _USED.search(line)):
            kernels[current]["registers"] = int(used["registers"])
            if smem := _SMEM.search(line):
                kernels[current]["smem"] = int(smem["smem"])
            if cmem := _CMEM.search(line):
                kernels[current]["cmem"] = int(cmem["cmem"])
    names = _demangle([name for name in kernels if not name.startswith("judge_")])
    return [KernelResources(kernel=names[name], registers=info.get("registers", 0),
                            spill_stores_bytes=info.get("stores", 0), spill_loads_bytes=info.get("loads", 0),
                            shared_memory_bytes=info.get("smem", 0), stack_frame_bytes=info.get("stack", 0),
                            constant_memory_bytes=info.get("cmem", 0))
            for name, info in kernels.items() if name in names and "registers" in info]


def _demangle(names: list[str]) -> dict[str, str]:
    tool = shutil.which("cu++filt") or shutil.which("c++filt")
    if tool is None or not names:
        return {name: name for name in names}
    result = subprocess.run([tool], input="\n".join(names), capture_output=True, text=True, timeout=30)
    plain = result.stdout.splitlines()
    return dict(zip(names, plain, strict=True)) if len(plain) == len(names) else {name: name for name in names}


def _strip_comments(source: str) -> str:
    """Blank out comments and string literals but keep line breaks, so line numbers still match."""
    def blank(match: re.Match[str]) -> str:
        return re.sub(r"[^\n]", " ", match.group(0))

    return re.sub(r"//[^\n]*|/\*.*?\*/|\"(?:\\.|[^\"\\\n])*\"", blank, source, flags=re.S)


def static_review(source: str, allowed_libraries: list[str]) -> list[Diagnostic]:
    """What the source uses that the problem refuses or that will distort its result, by line."""
    findings: list[Diagnostic] = []
    code = _strip_comments(source)
    for number, line in enumerate(source.splitlines(), 1):
        include = re.match(r"\s*#\s*include\s*[<\"]([^>\"]+)[>\"]", line)
        if include is None:
            continue
        top = re.split(r"[/._]", include.group(1))[0]
        if top in ALWAYS_REFUSED:
            findings.append(Diagnostic(severity="error", line=number,
                                       message=f"{ALWAYS_REFUSED[top]} is not allowed: this problem asks for your own kernel"))
        elif top in REFUSED_UNLESS_ALLOWED and top not in allowed_libraries:
            findings.append(Diagnostic(severity="error", line=number,
                                       message=f"{REFUSED_UNLESS_ALLOWED[top]} is not allowed in this problem"))
    for number, line in enumerate(code.splitlines(), 1):
        for call, why in REFUSED_CALLS.items():
            if re.search(rf"\b{call}\s*\(", line):
                findings.append(Diagnostic(severity="error", line=number, message=f"{call}() is refused: {why}"))
        for call, why in WARNED_CALLS.items():
            if re.search(rf"\b{call}\s*\(", line):
                findings.append(Diagnostic(severity="warning", line=number, message=f"{call}() {why}"))
    return findings
