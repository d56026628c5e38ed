"""A stand-in for the cdk8s package: the classes the README's Python example and the generated
type hints name, with cdk8s's own Python signatures."""
from constructs import Construct


class App(Construct):
    def __init__(self, *, outdir=None, output_file_extension=None, record_construct_metadata=None, resolvers=None, yaml_output_type=None):
        super().__init__(None, "")

    def synth(self):
        pass


class Chart(Construct):
    def __init__(self, scope, id, *, disable_resource_name_hashes=None, labels=None, namespace=None):
        super().__init__(scope, id)
        self.namespace = namespace


class ApiObject(Construct):
    pass


class Include(Construct):
    pass


def __getattr__(name):
    # other cdk8s types a type hint may name: a class of that name
    cls = type(name, (Construct,), {})
    globals()[name] = cls
    return cls
