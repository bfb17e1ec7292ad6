"""Objects the differentiated code reaches (layers, settings): reading and assigning their
attributes, and assigning entries of the dicts they (or the caller) hold. None carries a
gradient: an array a layer holds that is also an input is read as that input (see
``diffc.frontend.lower_objects``). A store is an effect of the call: compiling does not
make it (the compile reads the object as the call finds it, and later reads in the
lowered code see the stored value), each call of the generated code does."""
from diffc.extend import primitive


@primitive(differentiable=False)
def attribute(obj, name):
    return getattr(obj, name)


@primitive(differentiable=False, effect="store")
def store_attribute(obj, name, value):
    setattr(obj, name, value)


@primitive(differentiable=False, effect="store")
def store_item(container, key, value):
    container[key] = value


def _stores_nothing(run, *args):
    return None


store_attribute.example_impl = _stores_nothing    # made by each call, not by the compile
store_item.example_impl = _stores_nothing


@primitive("builtins.print", differentiable=False, effect="print")
def builtin_print(*args):
    print(*args)


@primitive(differentiable=False)
def format_text(template, *values):
    """An f-string of values the data decides (``f"loss={loss:.3f}"``), as ``str.format``."""
    return template.format(*values)


def _prints_nothing(run, *args):
    return None


builtin_print.example_impl = _prints_nothing      # compiling prints nothing; each call prints
