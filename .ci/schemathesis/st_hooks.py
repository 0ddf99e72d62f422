"""Schemathesis hooks for roadmap-api.

A list cursor is opaque: only a `next_cursor` the API issued is valid, and any other value is
rightly refused with 400. No schema can say "a value the server issued", so positive-mode
cases that carry a generated `cursor` are dropped (negative-mode ones still run, and paging
itself is covered by the integration tests)."""
import schemathesis


@schemathesis.hook
def filter_case(ctx, case):
    meta = case.meta
    if meta is not None and meta.generation.mode.is_positive and case.query and "cursor" in case.query:
        return False
    return True
