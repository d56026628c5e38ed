"""check_type as the jsii runtime calls it, checking structurally (no typeguard here)."""
import collections.abc
import functools
import sys
import typing


@functools.lru_cache(maxsize=None)
def cached_type_hints(stub):
    return typing.get_type_hints(stub, sys.modules[stub.__module__].__dict__)


def _ok(value, t):
    origin, args = typing.get_origin(t), typing.get_args(t)
    if t is typing.Any:
        return True
    if t is None or t is type(None):
        return value is None
    if origin is typing.Union:
        return any(_ok(value, a) for a in args)
    if origin in (list, collections.abc.Sequence):
        return isinstance(value, (list, tuple)) and all(_ok(v, args[0]) for v in value)
    if origin in (dict, collections.abc.Mapping):
        return isinstance(value, dict) and all(_ok(k, args[0]) and _ok(v, args[1]) for k, v in value.items())
    if t is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if t is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if typing.Protocol in getattr(t, "__mro__", ()):
        return True  # a jsii interface: any object may implement it
    if isinstance(t, type):
        return isinstance(value, t)
    raise TypeError(f"the stand-in cannot check the type {t!r}")


def _show(t):
    return f"{t.__module__}.{t.__qualname__}" if isinstance(t, type) else str(t)


def check_type(argname, value, expected_type):
    if not _ok(value, expected_type):
        raise TypeError(f"type of {argname} must be {_show(expected_type)}; got {type(value).__name__} instead")
