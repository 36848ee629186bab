"""Run every benchmark module of this package (each has `run() -> list[str]`) and print
its lines. `python -m tests.bench [name…]` runs only the named ones."""

import importlib
import pkgutil
import sys
import time

import tests.bench as package


def main(names: list[str]) -> None:
    modules = sorted(
        m.name for m in pkgutil.iter_modules(package.__path__) if not m.name.startswith("_")
    )
    for name in names or modules:
        started = time.perf_counter()
        module = importlib.import_module(f"tests.bench.{name}")
        print(f"== {name}: {module.__doc__.strip().splitlines()[0]}", flush=True)
        for line in module.run():
            print(f"   {line}", flush=True)
        print(f"   ({time.perf_counter() - started:.1f} s)", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
