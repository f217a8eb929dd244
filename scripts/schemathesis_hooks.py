"""Checks of our own for `scripts/schemathesis`, loaded through SCHEMATHESIS_HOOKS; the
run's `--checks all` runs them beside the built-in ones.

- `no_internals_in_responses`: no SQL, driver name, panic or stack trace in any answer.
- `refusals_of_valid_requests_are_rules`: the other half of the narrowing in
  scripts/schemathesis.toml, which lets the actions and the reports answer 422 to a request
  the document calls valid. That is right only for a refusal by a rule of the regulations
  (a rule code that does not start with `api.`: an action out of order, no rule set in force
  for the year) or for a period the document cannot describe (below). A 422 naming an
  `api.` rule means the server refused a request it documents as well formed: a failure.
"""

import json
import re
from datetime import date
from urllib.parse import parse_qsl, unquote_plus, urlsplit

import schemathesis

# What an answer must never show: SQL, the database driver, a Rust panic or backtrace.
LEAKS = [
    re.compile(pattern)
    for pattern in (
        r"\bSELECT\b",
        r"\bINSERT INTO\b",
        r"\bUPDATE \w+ SET\b",
        r"\bDELETE FROM\b",
        r"(?i)\bsqlx\b",
        r"(?i)\bsqlite",
        r"(?i)\bSQLSTATE\b",
        r"(?i)\bpostgres",
        r"(?i)syntax error",
        r"(?i)panicked",
        r"(?i)stack backtrace",
        r"RUST_BACKTRACE",
        r"\bsrc/[\w/]+\.rs\b",
    )
]

# The longest report period, in days (MAX_PERIOD_DAYS of crates/web/src/pages/reports.rs).
MAX_PERIOD_DAYS = 366 * 10


def _sent(response) -> str:
    """The request as text: its decoded URL and its body."""
    request = response.request
    body = request.body or b""
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    return unquote_plus(request.url or "") + "\n" + body


@schemathesis.check
def no_internals_in_responses(ctx, response, case):
    """A word the request itself carried (a search for "SELECT", an unknown stage echoed in
    the error message) is not a leak."""
    body = response.content.decode("utf-8", "replace")
    sent = _sent(response)
    for leak in LEAKS:
        found = leak.search(body)
        if found and not leak.search(sent):
            raise AssertionError(
                f"The answer shows internals ({found.group(0)!r}): {body[:300]}"
            )


def _period_the_document_cannot_describe(url: str) -> bool:
    """`from` and `to` go together, `to` is not before `from`, and the period is at most
    ten years: OpenAPI describes each parameter alone, so a generator that trusts it sends
    such periods as valid, and the server is right to refuse them."""
    query = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
    if ("from" in query) != ("to" in query):
        return True
    if "from" not in query:
        return False
    try:
        start = date.fromisoformat(query["from"])
        end = date.fromisoformat(query["to"])
    except ValueError:
        return False
    return end < start or (end - start).days > MAX_PERIOD_DAYS


@schemathesis.check
def refusals_of_valid_requests_are_rules(ctx, response, case):
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
        return None
    try:
        rule = json.loads(response.content).get("rule") or ""
    except (ValueError, AttributeError):
        rule = ""
    if not rule.startswith("api."):
        return None
    if case.operation.path.startswith("/api/v1/reports/") and _period_the_document_cannot_describe(
        response.request.url
    ):
        return None
    raise AssertionError(
        f"A request the document calls valid was refused as malformed ({rule}): "
        f"{response.content.decode('utf-8', 'replace')[:300]}"
    )
