"""The demo dataset (placeholder until built out)."""


class DemoError(Exception):
    pass


def load_demo(password=None):
    raise DemoError("The demo dataset is not available yet.")
