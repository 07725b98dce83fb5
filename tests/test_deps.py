"""Every module the tests need, directly or through the tools they import or run, is the standard
library's, the project's own, or provided by a Debian package that `make deps` installs: a test that
needs the training stack (torch) passes on a developer's machine and fails on a user's."""
import ast
import os
import re
import sys
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The Debian package that provides each third-party module the project may import.
PROVIDERS = {"numpy": "python3-numpy", "cv2": "python3-opencv", "PIL": "python3-pil"}


def deps_packages():
    with open(os.path.join(ROOT, "Makefile")) as fh:
        text = fh.read()
    m = re.search(r"^DEB_PACKAGES :=((?:.*\\\n)*.*)$", text, re.M)
    return set(m.group(1).replace("\\\n", " ").split())


def local_module(name):
    for folder in ("tools", "tests"):
        path = os.path.join(ROOT, folder, name + ".py")
        if os.path.exists(path):
            return path
    return None


def imports_of(path):
    """Top-level names of every import in the file (at any depth: an import inside a test function
    runs too), and the tools it runs as scripts."""
    with open(path) as fh:
        source = fh.read()
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            script = re.fullmatch(r"tools/(\w+)\.py", node.value)   # a script the test runs
            if script:
                names.add(script.group(1))
    return names


def needed_by_tests():
    """{module: the file that first needs it} over the tests and, through them, the project's tools."""
    todo = [os.path.join(ROOT, "tests", f) for f in sorted(os.listdir(os.path.join(ROOT, "tests")))
            if f.endswith(".py")]
    seen, needed = set(todo), {}
    while todo:
        path = todo.pop()
        for name in imports_of(path):
            local = local_module(name)
            if local:
                if local not in seen:
                    seen.add(local)
                    todo.append(local)
            else:
                needed.setdefault(name, os.path.relpath(path, ROOT))
    return needed


class Dependencies(unittest.TestCase):
    def test_every_module_the_tests_need_is_installed_by_make_deps(self):
        packages = deps_packages()
        missing = []
        for name, where in sorted(needed_by_tests().items()):
            if name in sys.stdlib_module_names:
                continue
            if PROVIDERS.get(name) not in packages:
                missing.append(f"{name} (needed by {where}; provider: {PROVIDERS.get(name, 'unknown')})")
        self.assertEqual(missing, [], "modules make deps does not install")

    def test_the_check_sees_through_tools(self):
        """A tool that imports torch, imported by a test, is caught."""
        needed = needed_by_tests()
        self.assertIn("numpy", needed)
        self.assertIn("cv2", needed)
        self.assertNotIn("torch", needed, "a test reaches a module that imports torch")
        trainer = os.path.join(ROOT, "tools", "train_digits" + ".py")
        self.assertIn("torch", imports_of(trainer))


if __name__ == "__main__":
    unittest.main()
