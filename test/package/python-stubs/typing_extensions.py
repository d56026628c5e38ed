"""typing_extensions as far as the generated module uses it, on any Python 3: its Protocol
carries `__protocol_attrs__` (Python 3.12's, which the module edits), where typing's may not."""
import typing
from typing import *  # noqa: F401,F403


class Protocol(typing.Protocol):
    pass


Protocol.__protocol_attrs__ = set()
