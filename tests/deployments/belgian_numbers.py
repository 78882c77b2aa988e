"""Valid Belgian enterprise numbers, as many as a scale-out world needs (the test, the bench)."""

from __future__ import annotations

from stdnum.be import vat


def enterprise_numbers(count: int, start: int = 4_100_000) -> list[str]:
    """``count`` valid 10-digit enterprise numbers: a leading 0, seven digits from ``start``
    on, and their check digits (97 less the first eight modulo 97)."""
    numbers = []
    for base in range(start, start + 10 * count + 100):
        digits = f"0{base:07d}"
        number = f"{digits}{97 - int(digits) % 97:02d}"
        if vat.is_valid(number):
            numbers.append(number)
        if len(numbers) == count:
            return numbers
    raise ValueError(f"pas {count} numéros valides à partir de {start}")
