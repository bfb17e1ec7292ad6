"""Objects the differentiated code reaches (layers, settings): reading and assigning their
attributes. Neither carries a gradient: an array a layer holds that is also an input is
read as that input (see ``diffc.frontend.lower_objects``)."""
from diffc.extend import primitive


@primitive(differentiable=False)
def attribute(obj, name):
    return getattr(obj, name)


@primitive(differentiable=False, effect="store")
def store_attribute(obj, name, value):
    setattr(obj, name, value)


@primitive("builtins.print", differentiable=False, effect="print")
def builtin_print(*args):
    print(*args)


@primitive(differentiable=False)
def format_text(template, *values):
    """An f-string of values the data decides (``f"loss={loss:.3f}"``), as ``str.format``."""
    return template.format(*values)


def _prints_nothing(*args):
    return None


builtin_print.example_impl = _prints_nothing      # compiling prints nothing; each call prints
