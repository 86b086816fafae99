"""The content shapes of the bank: questions, rubrics, CUDA problems, the taxonomy and the final assessment.

Every file under ``content/`` is parsed into one of these models; nothing else in the product defines them again.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from question_bank.expressions import ExpressionError, names_in

ITEM_ID = r"^[a-z][a-z0-9_]*\.[a-z0-9][a-z0-9_-]*$"
SLUG = r"^[a-z0-9][a-z0-9_-]*$"


class Strict(BaseModel):
    """Content models reject unknown fields so a typo in a YAML key is an error, not a silently lost value."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Category(StrEnum):
    CORE_CONCEPTS = "core_concepts"
    CUDA_PERFORMANCE = "cuda_performance"
    SYSTEM_DESIGN = "system_design"
    DISTRIBUTED_SYSTEMS = "distributed_systems"
    OPTIMIZATION_PRODUCTION = "optimization_production"
    ARCHITECTURE = "architecture"
    BEHAVIORAL = "behavioral"
    PROBLEM_SOLVING = "problem_solving"
    CUDA_CODING = "cuda_coding"


class Difficulty(StrEnum):
    EASY = "easy"
    MEDIUM = "medium"
    HARD = "hard"


class PersonaId(StrEnum):
    """The ten interviewers of the project plan; their voices and behaviour live in ``interviewers/``."""

    CUDA_KERNEL = "cuda_kernel"
    SYSTEM_DESIGN = "system_design"
    DISTRIBUTED_SYSTEMS = "distributed_systems"
    ML_INFRASTRUCTURE = "ml_infrastructure"
    PERFORMANCE = "performance"
    DEBUGGING = "debugging"
    ARCHITECTURE = "architecture"
    BEHAVIORAL = "behavioral"
    CODE_REVIEW = "code_review"
    DEEP_DIVE = "deep_dive"


# --- Taxonomy --------------------------------------------------------------------------------------------------


class Topic(Strict):
    id: str
    title: str


class Exercise(Strict):
    id: str
    title: str


class Module(Strict):
    id: str
    number: int
    title: str
    hours: tuple[int, int]
    objectives: list[str]
    topics: list[Topic]
    exercises: list[Exercise] = []


class Taxonomy(Strict):
    source: str
    modules: list[Module]

    def topic_ids(self) -> set[str]:
        return {topic.id for module in self.modules for topic in module.topics}

    def module_of(self, topic_id: str) -> Module:
        for module in self.modules:
            if any(topic.id == topic_id for topic in module.topics):
                return module
        raise KeyError(topic_id)


# --- Questions -------------------------------------------------------------------------------------------------


class Misconception(Strict):
    """A wrong claim a candidate commonly makes; stating it costs points on its rubric point."""

    claim: str
    correction: str


class RubricPoint(Strict):
    id: Annotated[str, Field(pattern=SLUG)]
    text: str
    weight: Annotated[float, Field(gt=0, le=10)]
    key_concepts: Annotated[list[str], Field(min_length=1)]
    misconceptions: list[Misconception] = []


class FollowUp(Strict):
    prompt: str
    probes: Annotated[list[str], Field(min_length=1)]


class Reference(Strict):
    title: str
    url: str | None = None
    supports: str | None = None  # which figure or claim in the item this reference backs


class Exhibit(Strict):
    """Material the interviewer shows: a flawed kernel to review, or logs / profiler output / metrics for a debugging item.

    ``upfront`` exhibits are shown with the question (code review); ``on_request`` exhibits stay hidden until the candidate
    asks for something that matches one of ``triggers`` (e.g. "logs", "nsys", "the kernel"), as a real interviewer would.
    """

    kind: Literal["code", "log", "profile", "metrics", "diagram"]
    title: str
    content: str
    language: str | None = None  # for code: "cuda", "cpp", "python", "yaml"; shown as the fence language
    reveal: Literal["upfront", "on_request"] = "on_request"
    triggers: list[str] = []  # lower-case words or phrases in a candidate's request that reveal this exhibit

    @model_validator(mode="after")
    def _revealable(self) -> Exhibit:
        if self.reveal == "on_request" and not [t for t in self.triggers if t.strip()]:
            raise ValueError(f"exhibit '{self.title}' is shown on request, so it needs triggers (words a request would use)")
        if not self.content.strip():
            raise ValueError(f"exhibit '{self.title}' has no content")
        return self


class Question(Strict):
    """Every bank item: a text question, or (with ``cuda`` set) a CUDA coding problem."""

    id: Annotated[str, Field(pattern=ITEM_ID)]
    category: Category
    difficulty: Difficulty
    title: str
    prompt: str
    model_answer: str
    rubric: Annotated[list[RubricPoint], Field(min_length=3)]
    follow_ups: Annotated[list[FollowUp], Field(min_length=2)]
    topics: Annotated[list[str], Field(min_length=1)]
    personas: Annotated[list[PersonaId], Field(min_length=1)]
    time_budget_minutes: Annotated[int, Field(ge=1, le=90)]
    references: Annotated[list[Reference], Field(min_length=1)]
    # Where the item comes from in the seeds, e.g. "002:m9-core-1", "000:sd-kv-cache-system", "004:part1-q1".
    seed_refs: list[str] = []
    hints: list[str] = []
    # Notes for maintainers: figures corrected against a seed, known limitations.
    notes: str | None = None
    cuda: CudaSpec | None = None
    # What the interviewer can show: a flawed kernel up front (code review), logs or profiles on request (debugging).
    exhibits: list[Exhibit] = []

    @model_validator(mode="after")
    def _consistent(self) -> Question:
        point_ids = [point.id for point in self.rubric]
        duplicates = {pid for pid in point_ids if point_ids.count(pid) > 1}
        if duplicates:
            raise ValueError(f"rubric point ids repeat: {sorted(duplicates)}")
        for number, follow_up in enumerate(self.follow_ups):
            unknown = [probe for probe in follow_up.probes if probe not in point_ids]
            if unknown:
                raise ValueError(f"follow_ups[{number}].probes name unknown rubric points {unknown}")
        if (self.category == Category.CUDA_CODING) != (self.cuda is not None):
            raise ValueError("a cuda_coding item needs a CUDA problem folder, and only such an item has one")
        return self

    @property
    def total_weight(self) -> float:
        return sum(point.weight for point in self.rubric)


# --- CUDA problems ---------------------------------------------------------------------------------------------

CType = Literal[
    "const float*", "float*",
    "const __half*", "__half*",
    "const __nv_bfloat16*", "__nv_bfloat16*",
    "const __nv_fp8_e4m3*", "__nv_fp8_e4m3*",
    "const int*", "int*",
    "const long long*", "long long*",
    "const int8_t*", "int8_t*",
    "const uint8_t*", "uint8_t*",
    "int", "float",
]
Dtype = Literal["float32", "float16", "bfloat16", "float8_e4m3fn", "int32", "int64", "int8", "uint8"]

POINTER_DTYPES: dict[str, str] = {
    "float": "float32", "__half": "float16", "__nv_bfloat16": "bfloat16", "__nv_fp8_e4m3": "float8_e4m3fn",
    "int": "int32", "long long": "int64", "int8_t": "int8", "uint8_t": "uint8",
}


class Param(Strict):
    """One parameter of ``extern "C" void solve(...)``, in order."""

    name: Annotated[str, Field(pattern=r"^[a-z_][a-z0-9_]*$")]
    ctype: CType
    role: Literal["input", "output", "inout", "size", "scalar"]
    # For role=scalar: the value the judge passes (an epsilon, a temperature, ...).
    value: float | int | None = None

    @property
    def is_pointer(self) -> bool:
        return self.ctype.endswith("*")

    @property
    def pointee_dtype(self) -> str:
        base = self.ctype.removeprefix("const ").removesuffix("*").strip()
        return POINTER_DTYPES[base]

    @model_validator(mode="after")
    def _role_matches_type(self) -> Param:
        if self.role in ("input",) and not self.ctype.startswith("const "):
            raise ValueError(f"input '{self.name}' must be a const pointer")
        if self.role in ("output", "inout") and (not self.is_pointer or self.ctype.startswith("const ")):
            raise ValueError(f"{self.role} '{self.name}' must be a non-const pointer")
        if self.role == "size" and self.ctype != "int":
            raise ValueError(f"size '{self.name}' must be an int")
        if self.role == "scalar" and (self.is_pointer or self.value is None):
            raise ValueError(f"scalar '{self.name}' must be a plain int/float with a value")
        return self


class Generator(Strict):
    """How the judge fills an input buffer; ``custom`` means ``make_inputs`` in reference.py builds it."""

    shape: list[str]  # expressions over the size parameters, e.g. ["rows", "cols"]
    distribution: Literal["normal", "uniform", "randint", "custom"] = "normal"
    mean: float = 0.0
    std: float = 1.0
    low: float = 0.0
    high: float = 1.0


class OutputSpec(Strict):
    shape: list[str]


class Tolerance(Strict):
    atol: Annotated[float, Field(ge=0)]
    rtol: Annotated[float, Field(ge=0)]


class Work(Strict):
    """The work formula the judge turns into GB/s or TFLOP/s: expressions over the size parameters."""

    bytes: str
    flops: str = "0"
    bound: Literal["memory", "compute"]
    # Which peak a compute-bound kernel is compared with.
    peak: Literal["dram_bandwidth", "fp32", "fp16_tensor", "bf16_tensor", "int8_tensor"] = "dram_bandwidth"


class MeasuredEntry(Strict):
    label: str  # naive, optimized, torch
    median_ms: float
    p10_ms: float
    p90_ms: float
    rate: float
    rate_unit: str  # GB/s or TFLOP/s
    percent_of_peak: float


class Measurement(Strict):
    """Figures from running the problem on a real GPU, written by benchmarks/bank_gpu.py into measured.yaml."""

    device: str
    date: str
    sizes: dict[str, int]
    peak: str  # what percent_of_peak is relative to, e.g. "2946 GB/s DRAM (measured device copy)"
    entries: list[MeasuredEntry]
    note: str | None = None


class Launch(Strict):
    """For kernel-only answers: the launch the problem gives around the candidate's ``__global__`` function."""

    kernel: str
    grid: list[str]  # up to three expressions over the sizes
    block: list[int]
    arguments: list[str]  # signature parameter names, in the kernel's order


class CudaSpec(Strict):
    """``problem.yaml`` of a CUDA coding problem beyond the common question fields."""

    signature: Annotated[list[Param], Field(min_length=2)]
    inputs: dict[str, Generator]
    outputs: dict[str, OutputSpec]
    test_sizes: Annotated[list[dict[str, int]], Field(min_length=3)]
    benchmark_size: dict[str, int]
    tolerance: dict[Dtype, Tolerance]
    work: Work
    allowed_libraries: list[Literal["cub", "cooperative_groups", "cuda_fp16", "cuda_bf16", "cuda_fp8", "mma"]] = []
    # Parameters whose values the judge passes as sizes but which must be checked (e.g. k <= cols).
    constraints: list[str] = []
    launch: Launch | None = None
    measured: Measurement | None = None

    @field_validator("test_sizes")
    @classmethod
    def _has_awkward_size(cls, sizes: list[dict[str, int]]) -> list[dict[str, int]]:
        if not any(any(value % 32 for value in size.values()) for size in sizes):
            raise ValueError("at least one test size must not be a multiple of 32")
        return sizes

    @model_validator(mode="after")
    def _consistent(self) -> CudaSpec:
        by_name = {param.name: param for param in self.signature}
        if len(by_name) != len(self.signature):
            raise ValueError("signature parameter names repeat")
        size_names = {p.name for p in self.signature if p.role == "size"}
        readers = {p.name for p in self.signature if p.role in ("input", "inout")}
        writers = {p.name for p in self.signature if p.role in ("output", "inout")}
        if set(self.inputs) != readers:
            raise ValueError(f"inputs must describe exactly the input/inout parameters {sorted(readers)}")
        if set(self.outputs) != writers:
            raise ValueError(f"outputs must describe exactly the output/inout parameters {sorted(writers)}")
        for size in [*self.test_sizes, self.benchmark_size]:
            if set(size) != size_names:
                raise ValueError(f"size {size} must give exactly the size parameters {sorted(size_names)}")
        expressions = [*(e for g in self.inputs.values() for e in g.shape),
                       *(e for o in self.outputs.values() for e in o.shape),
                       self.work.bytes, self.work.flops, *self.constraints]
        for expression in expressions:
            try:
                unknown = names_in(expression) - size_names
            except ExpressionError as error:
                raise ValueError(str(error)) from error
            if unknown:
                raise ValueError(f"expression '{expression}' uses names that are not size parameters: {sorted(unknown)}")
        return self


Question.model_rebuild()


# --- Final assessment ------------------------------------------------------------------------------------------


class AssessmentEntry(Strict):
    label: str  # "Q1", "Problem 2", "Design 1"
    item: Annotated[str, Field(pattern=ITEM_ID)]
    points: Annotated[int, Field(gt=0)]


class AssessmentPart(Strict):
    title: str
    entries: list[AssessmentEntry]

    @property
    def points(self) -> int:
        return sum(entry.points for entry in self.entries)


class Band(Strict):
    min_points: int
    label: str
    advice: str


class FinalAssessment(Strict):
    id: str
    title: str
    source: str
    time_limit_minutes: int
    parts: list[AssessmentPart]
    bands: list[Band]

    @property
    def total_points(self) -> int:
        return sum(part.points for part in self.parts)

    def band_for(self, points: float) -> Band:
        for band in sorted(self.bands, key=lambda b: b.min_points, reverse=True):
            if points >= band.min_points:
                return band
        raise ValueError(f"no band covers {points} points")
