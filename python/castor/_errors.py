"""castor's exceptions: one class per kind of failure, each naming the file and the position."""

from __future__ import annotations


class Error(Exception):
    """A failure castor names: the file, the format, where in the file and why.

    Attributes: ``kind`` ("input", "usage", "resource", "internal"), ``file``, ``format``,
    ``reason``, ``line`` (1-based, or None) and ``byte_offset`` (or None). The command line
    exits with status 2 for the first three kinds and 3 for an internal error.
    """

    kind = "input"

    def __init__(self, message: str, file: str = "", format: str = "", reason: str = "",
                 line: int | None = None, byte_offset: int | None = None):
        super().__init__(message)
        self.file = file
        self.format = format
        self.reason = reason or message
        self.line = line
        self.byte_offset = byte_offset


class InputError(Error):
    """A file or data castor cannot read or stand behind (truncated, wrong format, NaN, ...)."""

    kind = "input"


class UsageError(Error, ValueError):
    """An option or parameter that makes no sense (an unknown keyword, a negative mass, ...)."""

    kind = "usage"


class ResourceError(Error, OSError):
    """The system refused: a file that cannot be opened or written, no memory."""

    kind = "resource"


class InternalError(Error):
    """A defect in castor: please report it with the file."""

    kind = "internal"


_BY_KIND = {"input": InputError, "usage": UsageError, "resource": ResourceError, "internal": InternalError}


def from_native(kind, message, file, format, reason, line, byte_offset):
    """Builds the exception the C++ library raised (called by castor._castor)."""
    return _BY_KIND.get(kind, InternalError)(message, file, format, reason, line, byte_offset)
