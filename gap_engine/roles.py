"""Role presets: how much each curriculum module matters for the role the learner targets.

Weights are in [0, 1] per module (m1..m9 of the 002_* curriculum). The config file can change a preset or add a role:

    target_role = "cuda_kernel_engineer"

    [roles.cuda_kernel_engineer]
    m6 = 1.0          # this learner's team writes quantized kernels

    [roles.research_engineer]   # a new role: unnamed modules get DEFAULT_WEIGHT
    title = "Research engineer"
    m8 = 1.0
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict

DEFAULT_WEIGHT = 0.5
MODULE_IDS = tuple(f"m{number}" for number in range(1, 10))


class RoleError(ValueError):
    """A role that does not exist, or a config entry for one that is malformed; the message names the field."""


class Role(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    title: str
    weights: dict[str, float]  # module id -> weight in [0, 1]

    def weight(self, module_id: str) -> float:
        return self.weights.get(module_id, DEFAULT_WEIGHT)


PRESETS: dict[str, Role] = {role.id: role for role in [
    Role(id="cuda_kernel_engineer", title="CUDA kernel engineer", weights={
        "m1": 0.3, "m2": 0.6, "m3": 1.0, "m4": 0.3, "m5": 0.5, "m6": 0.8, "m7": 0.6, "m8": 0.5, "m9": 0.7}),
    Role(id="llm_inference_engineer", title="LLM inference engineer", weights={
        "m1": 0.4, "m2": 1.0, "m3": 0.7, "m4": 0.9, "m5": 0.8, "m6": 0.8, "m7": 0.6, "m8": 0.9, "m9": 0.8}),
    Role(id="ml_infrastructure_engineer", title="ML infrastructure engineer", weights={
        "m1": 0.6, "m2": 0.7, "m3": 0.4, "m4": 0.8, "m5": 1.0, "m6": 0.5, "m7": 0.7, "m8": 1.0, "m9": 0.8}),
]}


def resolve_role(role_id: str, overrides: Mapping[str, Mapping[str, object]] | None = None) -> Role:
    """The preset `role_id`, changed by the config's `[roles.<role_id>]` table when there is one."""
    override = (overrides or {}).get(role_id)
    preset = PRESETS.get(role_id)
    if preset is None and override is None:
        known = sorted({*PRESETS, *(overrides or {})})
        raise RoleError(f"unknown target role '{role_id}'; known roles: {', '.join(known)} "
                        f"(add a [roles.{role_id}] table to the config file to define it)")
    weights = dict(preset.weights) if preset else {}
    title = preset.title if preset else role_id.replace("_", " ").capitalize()
    for key, value in (override or {}).items():
        where = f"roles.{role_id}.{key}"
        if key == "title":
            if not isinstance(value, str) or not value.strip():
                raise RoleError(f"{where}: must be a non-empty string")
            title = value
            continue
        if key not in MODULE_IDS:
            raise RoleError(f"{where}: not a module id; use one of {', '.join(MODULE_IDS)} (or 'title')")
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= float(value) <= 1:
            raise RoleError(f"{where}: must be a number from 0 to 1, got {value!r}")
        weights[key] = float(value)
    return Role(id=role_id, title=title, weights=weights)


def available_roles(overrides: Mapping[str, Mapping[str, object]] | None = None) -> list[Role]:
    return [resolve_role(role_id, overrides) for role_id in sorted({*PRESETS, *(overrides or {})})]
