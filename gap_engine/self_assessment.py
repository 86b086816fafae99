"""The self-assessment matrix of the progress tracker (003_*): ten components the learner rates 1-5, each with a target.

The learner's own rating is an input; the report sets it beside mastery measured on the taxonomy topics each component
maps to, and names over- and under-confidence. Measured mastery (a probability in [0, 1]) is put on the same 1-5 scale
as the rating by ``1 + 4 * mastery``, so "never answered anything right" reads 1 and "everything right" reads 5.

"C++ Mastery" has no topic of its own in the curriculum: what the product can measure of it is whether the learner's
CUDA C++ compiles and passes the judge, so it is measured from judge-run evidence only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pydantic import BaseModel, ConfigDict, Field

from gap_engine.models import EvidenceRef, SelfAssessmentRow, TopicMastery, Verdict
from tutor.records import SelfRating
from tutor.storage import Storage

# A rating this far (on the 1-5 scale) from the measured value, and outside its interval, is named over/under-confident.
CONFIDENCE_MARGIN = 1.0
READINESS_AVERAGE = 4.0  # 003_*: "Target: 4.0+ for interview readiness"


class Component(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str  # as the 003_* matrix spells it
    target: int = Field(ge=1, le=5)  # the matrix's target column
    topics: tuple[str, ...]  # taxonomy topic ids whose mastery measures it
    judge_only: bool = False  # measured from judge runs (compiled, passing CUDA C++) instead of topic mastery
    description: str


COMPONENTS: tuple[Component, ...] = (
    Component(
        name="PagedAttention", target=5, description="KV-cache paging: blocks, block tables, fragmentation, sharing",
        topics=("m2.traditional-attention-memory-bottlenecks-and-inefficiencies", "m2.pagedattention-virtual-vs-physical-blocks",
                "m2.block-tables-and-address-translation-mechanisms", "m2.memory-fragmentation-reduction-techniques",
                "m2.copy-on-write-for-shared-prefixes")),
    Component(
        name="CUDA Kernels", target=5, description="writing and optimising kernels: memory, warps, occupancy, fusion",
        topics=("m3.cuda-thread-hierarchy", "m3.memory-types-and-hierarchy", "m3.memory-coalescing-and-bank-conflicts",
                "m3.warp-level-primitives-and-cooperative-groups", "m3.kernel-launch-configuration-tuning",
                "m3.occupancy-optimization-and-resource-limits", "m3.flashattention-tiling-and-recomputation",
                "m3.online-softmax-computation-in-flashattention", "m3.cutlass-library-and-tensor-cores-utilization",
                "m3.triton-language-for-kernel-development", "m3.fused-kernels", "m7.cuda-kernel-optimization")),
    Component(
        name="Scheduler", target=4, description="continuous batching, queueing, preemption, prefill/decode scheduling",
        topics=("m2.continuous-batching-vs-static-batching-comparison", "m2.preemption-and-swapping-strategies",
                "m2.request-arrival-patterns-and-queueing-theory", "m2.first-come-first-serve-vs-priority",
                "m2.shortest-job-first-and-its-variants", "m2.fairness-metrics-and-starvation-prevention",
                "m2.chunked-prefill-and-decode-separation", "m2.iteration-level-scheduling-decisions",
                "m4.scheduler-class-hierarchy-and-scheduling-policies", "m4.request-arrival-and-queueing-mechanisms",
                "m4.prefill-and-decode-phase-separation", "m7.custom-request-scheduler")),
    Component(
        name="Block Manager", target=5, description="allocating, freeing, swapping and evicting KV-cache blocks",
        topics=("m2.kv-cache-block-allocation-and-deallocation", "m2.memory-pressure-handling-and-graceful-degradation",
                "m4.block-manager-interface-and-implementations", "m4.physical-and-virtual-block-management",
                "m4.gpu-cpu-block-allocation-strategies", "m4.memory-pressure-detection-and-handling")),
    Component(
        name="Model Executor", target=4, description="executor, workers, model runner, CUDA graphs, sampling",
        topics=("m4.executor-abstraction-layer", "m4.worker-model-model-loading-and-execution",
                "m4.model-runner-batching-and-cuda-graph", "m4.sequencegroup-and-sequence-data-structures",
                "m4.sequence-state-management", "m4.output-token-generation-and-sampling",
                "m6.cuda-graph-optimization-for-reduced-overhead")),
    Component(
        name="Quantization", target=4, description="INT8/INT4/FP8 formats, GPTQ, AWQ, SmoothQuant, quantized kernels",
        topics=("m6.quantization-basics", "m6.int8-int4-fp8-quantization-in-vllm", "m6.gptq-algorithm", "m6.awq-approach",
                "m6.smoothquant-for-activation-quantization", "m6.weight-only-vs-weight-activation-quantization",
                "m6.quantized-kernel-implementations-and-optimizations", "m6.calibration-dataset-selection-and-importance",
                "m6.accuracy-metrics-perplexity-downstream-task-performance", "m6.speed-vs-accuracy-tradeoff-analysis",
                "m3.quantization-kernels", "m7.end-to-end-quantization-pipeline")),
    Component(
        name="Distributed", target=4, description="tensor/pipeline parallelism, NCCL, multi-node serving",
        topics=("m5.tensor-parallelism-column-vs-row-splitting", "m5.megatron-style-model-parallelism-in-vllm",
                "m5.pipeline-parallelism-micro-batching-and-bubble", "m5.hybrid-parallelism-tp-pp-combinations",
                "m5.nccl-collective-operations", "m5.communication-computation-overlap-techniques",
                "m5.ray-distributed-framework-integration", "m5.multi-node-inference-setup-and-networking",
                "m5.load-balancing-across-gpu-workers", "m5.distributed-kv-cache-management",
                "m5.failure-handling-and-checkpoint-recovery", "m5.communication-bandwidth-optimization",
                "m7.multi-gpu-inference-service", "m9.distributed-systems")),
    Component(
        name="System Design", target=5, description="serving architectures, autoscaling, cost, reliability, security",
        topics=("m8.production-deployment-architectures", "m8.kubernetes-operators-for-vllm",
                "m8.autoscaling-strategies-and-metrics", "m8.cost-optimization-techniques", "m8.model-serving-best-practices",
                "m8.security-considerations", "m8.prefix-caching-automatic-prefix-detection", "m7.production-deployment",
                "m9.system-design", "m9.format-system-design")),
    Component(
        name="Profiling", target=4, description="Nsight, roofline, throughput/latency metrics, benchmarking, tracing",
        topics=("m3.nsight-compute-metrics", "m3.roofline-model-analysis-for-kernel-performance", "m3.debugging-cuda-kernels",
                "m1.performance-metrics-throughput-latency", "m1.baseline-benchmarking-with-different-model-sizes",
                "m5.distributed-profiling-and-debugging-tools", "m7.comprehensive-benchmarking-suite",
                "m7.real-time-monitoring-dashboard", "m8.distributed-tracing-with-opentelemetry")),
    Component(
        name="C++ Mastery", target=4, judge_only=True,
        description="CUDA C++ that compiles and passes the judge (measured from judge runs only)",
        topics=()),
)


class UnknownComponent(KeyError):
    def __str__(self) -> str:
        return str(self.args[0])


def component_named(name: str) -> Component:
    """The component whatever the case or spacing of ``name`` ("cuda kernels", "CUDA-Kernels")."""
    wanted = _folded(name)
    for component in COMPONENTS:
        if _folded(component.name) == wanted:
            return component
    known = ", ".join(f"'{component.name}'" for component in COMPONENTS)
    raise UnknownComponent(f"no self-assessment component '{name}'; the components are {known}")


def _folded(name: str) -> str:
    return "".join(character for character in name.lower() if character.isalnum() or character == "+")


def set_rating(storage: Storage, name: str, rating: int, target: int | None = None) -> SelfRating:
    """Store the learner's rating (1-5) of one component; the target defaults to the one already set, else the matrix's."""
    component = component_named(name)
    if target is None:
        previous = {stored.component: stored for stored in storage.self_ratings()}.get(component.name)
        target = previous.target if previous else component.target
    for label, value in (("rating", rating), ("target", target)):
        if not 1 <= value <= 5:
            raise ValueError(f"{label} for '{component.name}' must be 1 to 5, not {value}")
    stored = SelfRating(component=component.name, rating=rating, target=target)
    storage.save_self_rating(stored)
    return stored


def to_scale(mastery: float) -> float:
    """A mastery probability on the matrix's 1-5 scale."""
    return 1.0 + 4.0 * mastery


def compare(ratings: Iterable[SelfRating], topics: Sequence[TopicMastery]) -> list[SelfAssessmentRow]:
    """One row per component, in the matrix's order: the learner's rating beside measured mastery, with a verdict."""
    by_component = {rating.component: rating for rating in ratings}
    by_topic = {topic.topic_id: topic for topic in topics}
    rows = []
    for component in COMPONENTS:
        stored = by_component.get(component.name)
        if component.judge_only:
            measured = _judge_measure(topics)
        else:
            measured = _topic_measure([by_topic[topic_id] for topic_id in component.topics if topic_id in by_topic])
        rows.append(_row(component, stored, measured))
    return rows


def _row(component: Component, stored: SelfRating | None, measured: tuple[float, float, float] | None) -> SelfAssessmentRow:
    rating = stored.rating if stored else None
    untested = SelfAssessmentRow(component=component.name, rating=rating, target=stored.target if stored else component.target,
                                 topics=list(component.topics), measured=None, verdict="untested")
    if measured is None:
        what = "no judge runs yet" if component.judge_only else "none of its topics has been tested yet"
        return untested.model_copy(update={"note": f"Not measured: {what}." + ("" if rating else " Not rated yet either.")})
    mean, lower, upper = (round(to_scale(value), 2) for value in measured)
    measured_row = untested.model_copy(update={"measured": mean, "measured_interval": (lower, upper)})
    if rating is None:
        hint = f"Measured {mean:.1f}/5; rate it with `tutor self-assess set \"{component.name}\" N`."
        return measured_row.model_copy(update={"note": hint})
    gap = round(rating - mean, 2)
    verdict: Verdict = "aligned"
    if gap >= CONFIDENCE_MARGIN and rating > upper:
        verdict = "over"
    elif gap <= -CONFIDENCE_MARGIN and rating < lower:
        verdict = "under"
    measure = f"answers measure {mean:.1f} ({lower:.1f}-{upper:.1f})"
    note = {
        "over": f"You rate yourself {rating}/5 but {measure}: over-confident by {gap:.1f}.",
        "under": f"You rate yourself {rating}/5 but {measure}: under-confident by {-gap:.1f}.",
        "aligned": f"Your {rating}/5 agrees with what {measure}.",
    }[verdict]
    return measured_row.model_copy(update={"gap": gap, "verdict": verdict, "note": note})


def _topic_measure(topics: Sequence[TopicMastery]) -> tuple[float, float, float] | None:
    """Evidence-weighted mean and interval over the component's tested topics; None when none is tested."""
    tested = [topic for topic in topics if topic.status != "not_tested" and topic.evidence_count > 0]
    if not tested:
        return None
    weights = [topic.effective_evidence or float(topic.evidence_count) for topic in tested]
    total = sum(weights)

    def average(values: Iterable[float]) -> float:
        return sum(weight * value for weight, value in zip(weights, values, strict=True)) / total

    return (average(t.mean for t in tested), average(t.lower for t in tested), average(t.upper for t in tested))


def _judge_measure(topics: Sequence[TopicMastery]) -> tuple[float, float, float] | None:
    """Share of judge outcomes earned over every distinct judge run in the report, with a normal-approximation interval.

    Topic evidence is capped per topic, so this sees the judge runs the report kept, not necessarily all of them.
    """
    runs: dict[int | str, EvidenceRef] = {}
    for topic in topics:
        for evidence in topic.evidence:
            if evidence.kind == "judge":
                key = evidence.judge_run_id if evidence.judge_run_id is not None else f"{evidence.item_id}@{evidence.when}"
                runs[key] = evidence
    if not runs:
        return None
    outcomes = [evidence.score for evidence in runs.values()]
    # Beta(1 + successes, 1 + failures) posterior, summarised by its mean and a +-1.28 sd (80%) interval.
    alpha = 1.0 + sum(outcomes)
    beta = 1.0 + len(outcomes) - sum(outcomes)
    mean = alpha / (alpha + beta)
    spread = 1.2816 * (alpha * beta / ((alpha + beta) ** 2 * (alpha + beta + 1))) ** 0.5
    return (mean, max(0.0, mean - spread), min(1.0, mean + spread))


def self_assessment(storage: Storage, topics: Sequence[TopicMastery]) -> list[SelfAssessmentRow]:
    """The matrix for the report: the stored ratings against the report's topic mastery."""
    return compare(storage.self_ratings(), topics)


def average_rating(rows: Sequence[SelfAssessmentRow]) -> float | None:
    """The matrix's "Overall Average" over rated components (None when nothing is rated)."""
    rated = [row.rating for row in rows if row.rating is not None]
    return sum(rated) / len(rated) if rated else None
