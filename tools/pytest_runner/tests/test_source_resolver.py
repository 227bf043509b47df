"""The resolver answers only when certain: a name bound twice, a metaclass, a foreign base or `import *` is None."""

import textwrap

from tools.pytest_runner.source_resolver import ClassInfo, EnumInfo, FunctionInfo, WorkspaceResolver


def _workspace(tmp_path, files):
    for relative, source in files.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source), encoding="utf-8")
    return WorkspaceResolver(str(tmp_path))


def test_class_reexported_through_a_relative_import_resolves_to_its_definition(tmp_path):
    resolve = _workspace(
        tmp_path,
        {
            "app/__init__.py": "from .geo import Point as Spot\n",
            "app/geo.py": "class Point:\n    pass\n",
        },
    )
    assert resolve("app", "Spot") == ClassInfo("Point", opaque_instances=True)


def test_exception_subclass_chain_has_opaque_instances_when_every_base_is_known(tmp_path):
    resolve = _workspace(
        tmp_path,
        {"app/errors.py": "class AppError(Exception):\n    pass\n\nclass Late(AppError):\n    pass\n"},
    )
    assert resolve("app.errors", "Late") == ClassInfo("Late", opaque_instances=True)


def test_class_whose_instances_may_answer_name_keeps_its_name_but_not_opaque_instances(tmp_path):
    resolve = _workspace(tmp_path, {"app.py": "class Lazy:\n    def __getattr__(self, name):\n        return name\n"})
    assert resolve("app", "Lazy") == ClassInfo("Lazy", opaque_instances=False)


def test_uncertain_definitions_resolve_to_nothing(tmp_path):
    resolve = _workspace(
        tmp_path,
        {
            "app.py": """
                from enum import Enum
                from other import *

                class Point:
                    pass
            """,
            "twice.py": "def f():\n    pass\n\nif True:\n    def f():\n        pass\n",
            "meta.py": "class Point(metaclass=type):\n    pass\n",
            "foreign.py": "from pydantic import BaseModel\n\nclass Model(BaseModel):\n    pass\n",
            "aliased.py": "from enum import Enum\n\nclass Kind(Enum):\n    A = 1\n    B = 1\n",
            "renamed.py": """
                import attr as dataclasses
                import collections as enum

                @dataclasses.dataclass
                class Point:
                    pass

                class Kind(enum.Enum):
                    A = 1
            """,
            "pkg/__init__.py": "",
            "pkg/enum.py": "Enum = str\n",
            "pkg/kinds.py": "from .enum import Enum\n\nclass Kind(Enum):\n    A = 'a'\n",
        },
    )
    assert resolve("app", "Point") is None  # `import *` may rebind it
    assert resolve("twice", "f") is None
    assert resolve("meta", "Point") is None
    assert resolve("foreign", "Model") is None
    assert resolve("aliased", "Kind") is None  # B is an alias of A: pytest would name it Kind.A
    assert resolve("missing", "Point") is None
    assert resolve("renamed", "Point") is None  # `dataclasses` is another module here
    assert resolve("renamed", "Kind") is None  # and so is `enum`
    assert resolve("pkg.kinds", "Kind") is None  # a relative `.enum`, not the standard library's


def test_enum_members_are_named_as_pytest_names_them(tmp_path):
    resolve = _workspace(
        tmp_path,
        {
            "kinds.py": """
                import enum
                from enum import StrEnum

                class Plain(enum.Enum):
                    '''Doc.'''
                    RED = 1

                    def label(self):
                        return self.name

                class Text(StrEnum):
                    LOW = "l\\u00f6w"

                class Mixed(str, enum.Enum):
                    HIGH = "high"
            """
        },
    )
    assert resolve("kinds", "Plain") == EnumInfo("Plain", (("RED", "Plain.RED"),))
    assert resolve("kinds", "Text") == EnumInfo("Text", (("LOW", "l\\xf6w"),))
    assert resolve("kinds", "Mixed") == EnumInfo("Mixed", (("HIGH", "high"),))


def test_undecorated_function_resolves_to_its_name_and_a_decorated_one_to_nothing(tmp_path):
    resolve = _workspace(tmp_path, {"app.py": "def plain():\n    pass\n\n@staticmethod\ndef wrapped():\n    pass\n"})
    assert resolve("app", "plain") == FunctionInfo("plain")
    assert resolve("app", "wrapped") is None
