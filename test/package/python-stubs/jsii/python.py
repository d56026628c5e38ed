class classproperty:
    """A static property (jsii.python.classproperty)."""

    def __init__(self, fget):
        self.fget = fget

    def __get__(self, obj, owner):
        return self.fget(owner)
