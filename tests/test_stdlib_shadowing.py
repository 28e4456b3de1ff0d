"""Guard: the folder `code/` must never become a package that shadows the standard library."""
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_stdlib_code_module_is_the_real_one():
    import code

    assert hasattr(code, "InteractiveConsole"), f"`code` resolves to {code!r}, not the standard library"
    assert "site-packages" not in (code.__file__ or "") and pathlib.Path(code.__file__).parent != ROOT / "code"


def test_code_folder_is_not_a_package():
    assert not (ROOT / "code" / "__init__.py").exists()
    assert not (ROOT / "code.py").exists()


def test_nntrain_is_importable_from_the_installed_package():
    import nntrain

    assert pathlib.Path(nntrain.__file__).parent == ROOT / "code" / "nntrain"
