"""Chapter 00's checks catch the typical wrong answers with specific hints."""

from course_utils.checks import evaluate


def test_greet():
    assert evaluate("00.1", lambda name: f"Hello, {name}!", "en")[0] == "pass"
    status, message = evaluate("00.1", lambda name: print(f"Hello, {name}!"), "en")
    assert status == "fail" and "print() the text instead of return-ing it" in message
    status, message = evaluate("00.1", lambda name: f"Hello {name}", "en")
    assert status == "fail" and "expected 'Hello, Ada!'" in message


def test_solution_path():
    assert evaluate("00.2", lambda c, e: f"solutions/{e}/{c}.ipynb", "en")[0] == "pass"
    status, message = evaluate("00.2", lambda c, e: f"exercises/{e}/{c}.ipynb", "en")
    assert status == "fail" and "full solutions are in solutions/" in message
    status, message = evaluate("00.2", lambda c, e: f"solutions/{c}.ipynb", "zh")
    assert status == "fail" and "应为 'solutions/zh/03_tensors.ipynb'" in message


def test_count_lessons():
    assert evaluate("00.3", lambda names: sum(n.endswith(".ipynb") for n in names), "en")[0] == "pass"
    status, message = evaluate("00.3", len, "en")
    assert status == "fail" and "every .ipynb has a .py twin" in message
    status, message = evaluate("00.3", lambda names: 0, "en")
    assert status == "fail" and "expected 2, got 0" in message


def test_stubs_are_not_done():
    def stub(*args):
        raise NotImplementedError

    assert all(evaluate(i, stub, "en")[0] == "todo" for i in ("00.1", "00.2", "00.3"))
