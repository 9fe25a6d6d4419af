"""The project's own error types.

Every error a user can cause (a missing model, a corrupt file, a bad vocabulary)
is one of these, with a message that reads as one sentence.  The CLI prints it
as one line; the GUI shows it in a dialog or next to the item.
"""


class ClampDesktopError(Exception):
    """Base of every error the app reports to the user as one line."""


class ModelUnavailableError(ClampDesktopError):
    """A model is neither cached nor downloadable right now."""


class CheckpointError(ClampDesktopError):
    """A checkpoint folder or file is incomplete, corrupt or unsafe."""


class ConversionError(ClampDesktopError):
    """A score could not be turned into CLaMP ABC."""


class LibraryError(ClampDesktopError):
    """The library database cannot be opened or used as asked."""


class NoLibraryError(LibraryError):
    """There is no library file where one was to be read."""

    def __init__(self, path):
        self.path = path
        super().__init__(f"No library at {path}; index a folder first.")


class VocabularyError(ClampDesktopError):
    """A tag vocabulary file is malformed."""


class RenderError(ClampDesktopError):
    """Verovio cannot lay out a score."""
