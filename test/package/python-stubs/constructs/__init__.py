"""A stand-in for the constructs package (its classes only)."""


class IConstruct:
    pass


class Construct(IConstruct):
    def __init__(self, scope=None, id=None):
        self.scope, self.id = scope, id


class IDependable:
    pass
