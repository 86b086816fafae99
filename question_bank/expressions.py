"""Arithmetic over a problem's size parameters ("rows * cols", "ceil_div(n, 16) * 4"), parsed without ``eval``."""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Mapping

_BINARY: dict[type[ast.operator], Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_FUNCTIONS: dict[str, Callable[..., float]] = {
    "min": min,
    "max": max,
    "ceil_div": lambda a, b: -(-a // b),
    "log2": math.log2,
}


class ExpressionError(ValueError):
    pass


def _parse(expression: str) -> ast.expr:
    try:
        return ast.parse(expression, mode="eval").body
    except SyntaxError as error:
        raise ExpressionError(f"'{expression}' is not an arithmetic expression: {error.msg}") from error


def names_in(expression: str) -> set[str]:
    """The size names an expression uses; raises ExpressionError for anything but arithmetic."""
    names: set[str] = set()

    def visit(node: ast.expr) -> None:
        match node:
            case ast.Constant(value=int() | float()):
                return
            case ast.Name(id=name):
                names.add(name)
            case ast.BinOp(left=left, op=op, right=right) if type(op) in _BINARY:
                visit(left)
                visit(right)
            case ast.UnaryOp(op=ast.USub(), operand=operand):
                visit(operand)
            case ast.Call(func=ast.Name(id=function), args=args, keywords=[]) if function in _FUNCTIONS:
                for argument in args:
                    visit(argument)
            case _:
                raise ExpressionError(f"'{expression}': only numbers, size names, + - * / // % ** and "
                                      f"{', '.join(_FUNCTIONS)} are allowed")

    visit(_parse(expression))
    return names


def evaluate(expression: str, sizes: Mapping[str, float]) -> float:
    names_in(expression)  # validates the shape of the expression before anything is computed

    def value(node: ast.expr) -> float:
        match node:
            case ast.Constant(value=int() | float() as number):
                return number
            case ast.Name(id=name):
                if name not in sizes:
                    raise ExpressionError(f"'{expression}': no size named '{name}'")
                return sizes[name]
            case ast.BinOp(left=left, op=op, right=right):
                return _BINARY[type(op)](value(left), value(right))
            case ast.UnaryOp(operand=operand):
                return -value(operand)
            case ast.Call(func=ast.Name(id=function), args=args):
                return _FUNCTIONS[function](*(value(argument) for argument in args))
        raise ExpressionError(f"'{expression}' cannot be evaluated")

    return value(_parse(expression))


def evaluate_int(expression: str, sizes: Mapping[str, float]) -> int:
    result = evaluate(expression, sizes)
    if result != int(result):
        raise ExpressionError(f"'{expression}' gives {result} for {dict(sizes)}, not a whole number")
    return int(result)
