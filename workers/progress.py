"""Live progress of one question through the pipeline: what Slack's "thinking steps" show while it works
(workers/tasks.py appends them to the answer's stream). Only counts, never text: nothing here is unverified."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Progress:
    # retrieved: the search is done (`passages` found); checking: a draft cites `sources` passages and its
    # grounding check starts (nothing of the draft is shown before it passes).
    stage: Literal["retrieved", "checking"]
    passages: int = 0
    sources: int = 0


ProgressFn = Callable[[Progress], None]


def tell(progress: ProgressFn | None, event: Progress) -> None:
    """Tell the listener, if any; its failure (Slack refusing an update, say) never fails the answer."""
    if progress is None:
        return
    try:
        progress(event)
    except Exception as exc:  # a progress display is best effort
        log.warning("progress %s not shown: %s", event.stage, type(exc).__name__)
