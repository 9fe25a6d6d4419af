"""A tqdm class that turns a library's progress bar (model downloads) into job progress."""

from __future__ import annotations

import io

from ..engine.progress import Progress
from .job import Job, JobCancelled


def job_tqdm(job: Job, stage: str = "download"):
    """A tqdm subclass whose updates reach ``job`` as ``Progress`` and which stops a cancelled job."""
    from tqdm import tqdm

    class JobTqdm(tqdm):
        def __init__(self, *args, **kwargs):
            kwargs.pop("name", None)            # huggingface_hub's extra keyword
            kwargs.update(disable=False, file=io.StringIO())
            super().__init__(*args, **kwargs)

        def update(self, n=1):
            if job.cancelled:
                raise JobCancelled()
            shown = super().update(n)
            job.report(Progress(stage, int(self.n), int(self.total or 0), self.desc or ""))
            return shown

    return JobTqdm
