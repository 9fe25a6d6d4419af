"""Background work: jobs on two lanes, reported to the GUI through Qt signals.

The engine lane owns the model and the only writable connection to the library
(single writer): indexing, tagging, semantic search, similar pieces, tag edits.
The render lane owns a Verovio toolkit: score pages and thumbnails, so a long
indexing run never delays the score on screen.
"""

from .job import Job, JobCancelled
from .worker import Worker

__all__ = ["Job", "JobCancelled", "Worker"]
