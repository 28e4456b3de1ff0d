import pathlib
import sys

# tests/ holds a small helper module (bookcheck) shared by the structural tests.
sys.path.insert(0, str(pathlib.Path(__file__).parent))

# exercises/ holds the grader's modules (assign, grade, sandbox, tamper).
sys.path.insert(0, str(pathlib.Path(__file__).parents[1] / "exercises"))
