"""The node the pipeline benchmark runs on the Python side: it forwards each frame."""
from gaia_worker import node


@node("p.pass")
class Pass:
    inputs = ("in",)
    outputs = ("out",)

    def __init__(self, config, ctx):
        pass

    def process(self, port, value, ctx):
        ctx.emit("out", value)
