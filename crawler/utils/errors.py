"""Errors a user can act on: the command line shows them as one line, no traceback."""

from __future__ import annotations

import click


class UserError(click.ClickException):
    """A problem with the input, a file or the environment, said in a sentence
    (click prints ``Error: <message>`` and exits with status 1)."""
