"""Checks across files that a schema cannot express: ids, taxonomy tags, CUDA folders, the final assessment."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from question_bank.expressions import ExpressionError, evaluate_int
from question_bank.loader import CONTENT_ROOT, SOLVE_SOURCES, Bank, Issue, field_path, line_of, read_bank
from question_bank.models import Question

# The shape of the final assessment in the Day-28 seed: 20 x 4, 5 x 8 and 2 x 15 points.
ASSESSMENT_SHAPE = [(20, 4), (5, 8), (2, 15)]
_SOLVE = re.compile(r'extern\s+"C"\s+(?:__host__\s+)?void\s+solve\s*\(([^)]*)\)', re.S)


def validate_bank(root: Path = CONTENT_ROOT) -> list[Issue]:
    bank, issues = read_bank(root)
    if bank is None:
        return issues
    topic_ids = bank.taxonomy.topic_ids()
    issues += _taxonomy_issues(bank, root / "taxonomy.yaml")
    for question in bank:
        path = bank.sources[question.id]
        issues += _tag_issues(question, path, topic_ids)
        if question.cuda is not None:
            issues += _cuda_issues(question, path.parent)
    issues += _assessment_issues(bank, root / "final_assessment.yaml")
    return issues


def _taxonomy_issues(bank: Bank, path: Path) -> list[Issue]:
    seen: set[str] = set()
    issues = []
    for m, module in enumerate(bank.taxonomy.modules):
        for t, topic in enumerate(module.topics):
            if topic.id in seen:
                location = ("modules", m, "topics", t, "id")
                issues.append(Issue(path, f"topic id '{topic.id}' repeats", field_path(location), line_of(path, location)))
            if not topic.id.startswith(module.id + "."):
                location = ("modules", m, "topics", t, "id")
                issues.append(Issue(path, f"topic '{topic.id}' must start with its module id '{module.id}.'",
                                    field_path(location), line_of(path, location)))
            seen.add(topic.id)
    return issues


def _tag_issues(question: Question, path: Path, topic_ids: set[str]) -> list[Issue]:
    issues = []
    for number, topic in enumerate(question.topics):
        if topic not in topic_ids:
            issues.append(Issue(path, f"'{topic}' is not a topic of the taxonomy", f"topics[{number}]",
                                line_of(path, ("topics", number))))
    for number, reference in enumerate(question.references):
        if not reference.title.strip():
            issues.append(Issue(path, "a reference needs a title", f"references[{number}].title",
                                line_of(path, ("references", number))))
    return issues


def _cuda_issues(question: Question, folder: Path) -> list[Issue]:
    assert question.cuda is not None
    spec = question.cuda
    issues = []
    problem = folder / "problem.yaml"
    parameter_names = [param.name for param in spec.signature]
    for name in SOLVE_SOURCES:
        source = (folder / name).read_text(encoding="utf-8")
        match = _SOLVE.search(source)
        if match is None:
            issues.append(Issue(folder / name, 'does not define extern "C" void solve(...)'))
            continue
        declared = [re.findall(r"[A-Za-z_]\w*", part)[-1] for part in match.group(1).split(",") if part.strip()]
        if declared != parameter_names:
            line = source[: match.start()].count("\n") + 1
            issues.append(Issue(folder / name, f"solve takes {declared}, problem.yaml declares {parameter_names}",
                                "solve", line))
    issues += _reference_issues(folder / "reference.py")
    for number, size in enumerate([*spec.test_sizes, spec.benchmark_size]):
        field = f"cuda.test_sizes[{number}]" if number < len(spec.test_sizes) else "cuda.benchmark_size"
        for constraint in spec.constraints:
            try:
                if not evaluate_int(constraint, size):
                    issues.append(Issue(problem, f"size {size} breaks the constraint '{constraint}'", field))
            except (ExpressionError, ZeroDivisionError) as error:
                issues.append(Issue(problem, str(error), field))
        shapes = [*(g.shape for g in spec.inputs.values()), *(o.shape for o in spec.outputs.values())]
        for shape in shapes:
            for expression in shape:
                try:
                    if evaluate_int(expression, size) < 1:
                        issues.append(Issue(problem, f"'{expression}' is empty for size {size}", field))
                except (ExpressionError, ZeroDivisionError) as error:
                    issues.append(Issue(problem, str(error), field))
    dtypes = {param.pointee_dtype for param in spec.signature if param.role in ("output", "inout")}
    for dtype in sorted(dtypes - set(spec.tolerance)):
        issues.append(Issue(problem, f"no tolerance for output dtype {dtype}", "cuda.tolerance",
                            line_of(problem, ("cuda", "tolerance"))))
    needs_custom = any(g.distribution == "custom" for g in spec.inputs.values())
    if needs_custom and "def make_inputs" not in (folder / "reference.py").read_text(encoding="utf-8"):
        issues.append(Issue(folder / "reference.py", "an input is 'custom' but reference.py has no make_inputs()"))
    return issues


def _reference_issues(path: Path) -> list[Issue]:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except SyntaxError as error:
        return [Issue(path, f"is not valid Python: {error.msg}", line=error.lineno)]
    functions = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    return [] if "reference" in functions else [Issue(path, "must define a function reference(...)")]


def _assessment_issues(bank: Bank, path: Path) -> list[Issue]:
    assessment = bank.final_assessment
    issues = []
    for p, part in enumerate(assessment.parts):
        for e, entry in enumerate(part.entries):
            if entry.item not in bank.questions:
                location = ("parts", p, "entries", e, "item")
                issues.append(Issue(path, f"'{entry.item}' is not a bank item", field_path(location),
                                    line_of(path, location)))
    shape = [(len(part.entries), part.entries[0].points if part.entries else 0) for part in assessment.parts]
    uniform = all(len({entry.points for entry in part.entries}) == 1 for part in assessment.parts)
    if shape != ASSESSMENT_SHAPE or not uniform:
        issues.append(Issue(path, f"parts must be 20 x 4, 5 x 8 and 2 x 15 points, found {shape}", "parts"))
    if assessment.total_points != 150:
        issues.append(Issue(path, f"totals {assessment.total_points} points, not 150", "parts"))
    return issues

