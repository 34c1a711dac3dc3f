"""Work a step asks of the orchestrator besides storing changes: typed, never strings.

A step returns at most one effect in its `Outcome`; `bot.conversations` maps each type to the
code that does it (deleting or exporting a user's data, drawing the chart, listing the log).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.flows.plan import PlanData


@dataclass(frozen=True, slots=True)
class ForgetUser:
    """Delete everything stored about the user (confirmed at the forget step)."""


@dataclass(frozen=True, slots=True)
class ExportData:
    """Send the user's data as JSON, the appraisal PDF and their evidence files."""


@dataclass(frozen=True, slots=True)
class AttachChart:
    """Put the profile chart on the first view shown, once there is a plan.

    `plan`: the plan the step's views were built from (the context's profile and history), so
    the chart need not build it again; None: the orchestrator builds it (e.g. from the history
    read again after the step's changes).
    """

    plan: PlanData | None = None


@dataclass(frozen=True, slots=True)
class ShowCpdLog:
    """Show the user's latest CPD entries before the views of the step."""


Effect = ForgetUser | ExportData | AttachChart | ShowCpdLog
