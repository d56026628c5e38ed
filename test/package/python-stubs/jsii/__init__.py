"""A stand-in for the jsii Python runtime: no JavaScript behind it. Calls into the library are
logged on stderr ("jsii: create cdk8s-org-ca.OrgCaBundle ...") and return a value of the type the
generated method declares."""
import abc
import collections.abc
import enum as _enum
import inspect
import sys
import typing

from . import python  # noqa: F401  (jsii.python.classproperty)

Number = typing.Union[int, float]


class JSIIAssembly:
    @classmethod
    def load(cls, *args, **kwargs):
        return cls()


class JSIIMeta(type):
    def __new__(mcs, name, bases, ns, **kwargs):
        cls = super().__new__(mcs, name, bases, ns)
        cls.__jsii_type__ = kwargs.get("jsii_type")
        return cls

    def __init__(cls, name, bases, ns, **kwargs):
        super().__init__(name, bases, ns)


class JSIIAbstractClass(JSIIMeta, abc.ABCMeta):
    pass


def _tag(jsii_type):
    def deco(cls):
        cls.__jsii_type__ = jsii_type
        return cls
    return deco


def data_type(jsii_type=None, jsii_struct_bases=(), name_mapping=None):
    def deco(cls):
        cls.__jsii_type__ = jsii_type
        cls.__jsii_struct__ = True
        return cls
    return deco


def enum(jsii_type=None):
    return _tag(jsii_type)


def interface(jsii_type=None):
    return _tag(jsii_type)


def implements(*interfaces):
    return lambda cls: cls


def member(jsii_name=None):
    def deco(fn):
        target = getattr(fn, "__func__", fn)
        target.__jsii_name__ = jsii_name
        return fn
    return deco


def _function(owner, jsii_name):
    """The generated Python function of `owner` (a class) for the jsii member `jsii_name`."""
    for c in owner.__mro__:
        for v in vars(c).values():
            f = v.fget if isinstance(v, (property, python.classproperty)) else getattr(v, "__func__", v)
            if getattr(f, "__jsii_name__", None) == jsii_name:
                return f
    raise AttributeError(f"{owner.__name__} has no jsii member {jsii_name!r}")


def _fake(t):
    """A value of type `t`."""
    origin, args = typing.get_origin(t), typing.get_args(t)
    if t is None or t is type(None):
        return None
    if origin is typing.Union:
        return _fake(next(a for a in args if a is not type(None)))
    if origin in (list, collections.abc.Sequence):
        return [_fake(args[0])]
    if origin in (dict, collections.abc.Mapping):
        return {}
    if t in (str, bool, int, float):
        return t()
    if isinstance(t, type) and issubclass(t, _enum.Enum):
        return next(iter(t))
    if getattr(t, "__jsii_struct__", False):
        # a struct: built by its own constructor, each required field a value of its type
        hints = typing.get_type_hints(t.__init__, sys.modules[t.__module__].__dict__)
        required = [p for p in inspect.signature(t.__init__).parameters.values() if p.name != "self" and p.default is p.empty]
        return t(**{p.name: _fake(hints[p.name]) for p in required})
    if isinstance(t, type):
        o = object.__new__(t)
        o.__dict__["_values"] = {}
        return o
    return None


def _returns(owner, jsii_name):
    f = _function(owner, jsii_name)
    return _fake(typing.get_type_hints(f, sys.modules[f.__module__].__dict__).get("return"))


def _log(*words):
    print("jsii:", *words, file=sys.stderr)


def _name(x):
    return getattr(x, "__jsii_type__", None) or type(x).__name__


def create(cls, obj, args):
    _log("create", cls.__jsii_type__, *[_name(a) for a in args])


def sinvoke(cls, name, args):
    _log("sinvoke", f"{cls.__jsii_type__}.{name}", *[_name(a) for a in args])
    return _returns(cls, name)


def invoke(obj, name, args):
    _log("invoke", f"{type(obj).__jsii_type__}.{name}", *[_name(a) for a in args])
    return _returns(type(obj), name)


def sget(cls, name):
    _log("sget", f"{cls.__jsii_type__}.{name}")
    return _returns(cls, name)


def get(obj, name):
    _log("get", f"{type(obj).__jsii_type__}.{name}")
    return _returns(type(obj), name)


def sset(cls, name, value):
    _log("sset", f"{cls.__jsii_type__}.{name}")


def set(obj, name, value):  # noqa: A001  (the runtime's name)
    _log("set", f"{type(obj).__jsii_type__}.{name}")
