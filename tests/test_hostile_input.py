"""No server error on any input, and nothing written by a refused one (issue 9, « No 500 on any input »).

For each demo role and an anonymous visitor, the test follows the links of the pages the person reaches, as a browser
would, and collects every form (POST, and GET: filters, exports), every htmx endpoint and every link carrying a query
string. Then it sends hostile values: integers too large for the database, negative ones, infinities, Unicode digits
that `int()` refuses, 5,000 digits, dates out of range, NUL bytes, lone surrogates (the invalid UTF-8 a client can
send), 100,000-character strings, and lists where one value is expected (repeated keys):

- every field hostile at once, for each hostile value (each form and query once, by the first role reaching it —
  the national admin first);
- inside the values the page filled in (what a browser would send), every number field too large (then too small)
  and every date field out of range at once: each visible one must be refused with a message next to it; hidden
  numbers (versions, ids, row counts) one at a time.

Every answer must be below 500, and a request whose input must be refused may not add or remove a row of the main
tables. Finally, every route of the project must have been reached, or be listed below with the reason why not.
"""

import html.parser
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404

from resorption.accounts import permissions
from resorption.accounts.models import User
from resorption.actions.journal import action_entry_post
from resorption.actions.models import Action
from resorption.demo import data as demo_data
from resorption.exports.services import site_export_request
from resorption.journal.services import journal_entry_post
from resorption.journal.territorial import territorial_message_post
from resorption.settlements.models import Site
from tests.journal.files import PNG

pytestmark = pytest.mark.django_db

HUGE = "9" * 30
HOSTILE_VALUES: tuple[str | list[str], ...] = (
    HUGE,
    f"-{HUGE}",
    "1e400",  # infinity as a float
    "²",  # a digit for str.isdigit(), not for int()
    "9" * 5000,  # past the 4,300 digits int() reads
    "0001-01-01",
    "31/12/9999",
    "a\x00b",
    "\ud800",  # sent as invalid UTF-8 (see `encode`)
    "x" * 100_000,
    ["1", "2"],  # a list where one value is expected
    [HUGE, "0001-01-01", "\x00"],
)
# Hostile values that are still valid text: a form of text fields alone may save them.
VALID_TEXT = ("\ud800", "x" * 100_000, ["1", "2"])
# Inside the form as the page filled it: numbers and dates out of the bounds of resorption/core/forms.py.
NUMBER_VALUES = (HUGE, f"-{HUGE}")
DATE_VALUES = ("0001-01-01", "9999-12-31")

# The tables whose rows a refused request must leave as they are (sessions, the sign-in log, rate-limit counters and
# the request log are written on purpose by any request).
WATCHED_MODELS = (
    "settlements.Site",
    "settlements.SiteOwner",
    "settlements.SiteActor",
    "settlements.ClosingOrientation",
    "settlements.HistoricalSite",
    "settlements.HistoricalSiteOwner",
    "journal.JournalEntry",
    "journal.Attachment",
    "journal.TerritorialMessage",
    "actions.Action",
    "actions.ActionManager",
    "actions.ActionOperator",
    "actions.ActionSite",
    "actions.ActionFinance",
    "actions.ActionMetrics",
    "actions.HistoricalAction",
    "actions.ActionEntry",
    "actions.ActionEntryAttachment",
    "accounts.User",
    "accounts.Organization",
    "accounts.InterventionArea",
    "accounts.UserAccess",
    "accounts.AccountEvent",
    "notifications.NotificationEvent",
    "notifications.Notification",
    "emails.OutgoingEmail",
    "django_tasks_database.DBTaskResult",
)

# Where each crawl starts: the pages of the menus, and pages that no link leads to (the territory search, the page
# after an access request). Signed-in people also start from a closed site they see and from the journal holding an
# attachment (see `test_no_server_error_and_nothing_written_whatever_the_input`).
ANONYMOUS_START = [
    "/",
    "/connexion/",
    "/demande-acces/",
    "/demande-acces/envoyee/",
    "/mot-de-passe-oublie/",
    "/mentions-legales/",
    "/healthz",
]
SIGNED_IN_START = [
    "/tableau-de-bord/",
    "/sites/",
    "/sites/journal/messages-territoriaux/?departement=33",
    "/mon-compte/",
    "/notifications/",
    "/annuaire/",
    # The map's data and panels are fetched by its script, not linked: the crawl starts on them.
    "/carte/sites.json?statut=ouverts",
    "/activites/",
    "/administration/",
    "/territoires/recherche/?q=bordeaux",
]
# Routes reached by a link sent by email, with a token: fuzzed through these URLs by the anonymous visitor.
TOKEN_URLS = (
    "/activer-mon-compte/{value}/",
    "/mot-de-passe-oublie/MQ/{value}/",
    "/notifications/desabonnement/{value}/",
)
# Routes no crawl reaches, and why.
NOT_CRAWLED = {
    "accounts:logout": "signs the client out; takes no input",
    "accounts:activate": "reached by an emailed token: fuzzed through TOKEN_URLS",
    "accounts:password_reset_confirm": "reached by an emailed token: fuzzed through TOKEN_URLS",
    "notifications:unsubscribe": "reached by an emailed token: fuzzed through TOKEN_URLS",
}

ROLES = [user.email for user in demo_data.USERS] + ["anonyme"]


# ---------------------------------------------------------------------------------------------------------------------
# Reading pages
# ---------------------------------------------------------------------------------------------------------------------


@dataclass
class Form:
    method: str
    action: str
    fields: list[tuple[str, str]] = field(default_factory=list)  # (name, value a browser would send)
    unsent: list[str] = field(default_factory=list)  # unchecked boxes and radios: not sent, but fuzzed
    numbers: set[str] = field(default_factory=set)  # fields holding numbers (number inputs, numeric choices)
    dates: set[str] = field(default_factory=set)
    hidden: set[str] = field(default_factory=set)

    @property
    def names(self) -> list[str]:
        every = [name for name, _ in self.fields] + self.unsent
        return [name for name in dict.fromkeys(every) if name != "csrfmiddlewaretoken"]


class PageReader(html.parser.HTMLParser):
    """The links, forms and htmx endpoints of a page, and the fields it marks invalid."""

    def __init__(self, url: str):
        super().__init__(convert_charrefs=True)
        self.url = url
        self.links: list[str] = []
        self.forms: list[Form] = []
        self.invalid: set[str] = set()
        self._form: Form | None = None
        self._select: tuple[str, list[str], list[str]] | None = None  # name, options, selected
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if attrs.get("name") and attrs.get("aria-invalid") == "true":
            self.invalid.add(attrs["name"])
        for hx in ("hx-get", "hx-post"):
            if attrs.get(hx):
                endpoint = Form(method=hx.removeprefix("hx-"), action=attrs[hx])
                if attrs.get("name"):
                    endpoint.fields.append((attrs["name"], attrs.get("value", "")))
                self.forms.append(endpoint)
        if tag == "form":
            self._form = Form(method=attrs.get("method", "get").lower(), action=attrs.get("action") or self.url)
            self.forms.append(self._form)
            return
        if self._form is None or not attrs.get("name") or "disabled" in attrs:  # a browser sends no disabled field
            return
        form, name = self._form, attrs["name"]
        if tag == "input":
            kind = attrs.get("type", "text").lower()
            value = attrs.get("value", "")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    form.fields.append((name, value or "on"))
                else:
                    form.unsent.append(name)
            elif kind not in ("submit", "button", "image", "reset", "file"):
                form.fields.append((name, value))
            if kind == "hidden":
                form.hidden.add(name)
            if kind == "number" or re.fullmatch(r"-?\d+", value):
                form.numbers.add(name)
            if kind == "date":
                form.dates.add(name)
        elif tag == "select":
            self._select = (name, [], [])
        elif tag == "option" and self._select is not None:
            self._select[1].append(attrs.get("value", ""))
            if "selected" in attrs:
                self._select[2].append(attrs.get("value", ""))
        elif tag == "textarea":
            self._textarea, self._text = name, []
        elif tag == "button" and attrs.get("value"):
            form.fields.append((name, attrs["value"]))

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None and self._form is not None:
            name, options, selected = self._select
            self._form.fields.extend((name, value) for value in selected or options[:1])
            if any(options) and all(re.fullmatch(r"\d*", value) for value in options):
                self._form.numbers.add(name)
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            self._form.fields.append((self._textarea, "".join(self._text)))
            self._textarea = None


# ---------------------------------------------------------------------------------------------------------------------
# Sending
# ---------------------------------------------------------------------------------------------------------------------


def encode(pairs: Iterable[tuple[str, str | list[str]]]) -> str:
    """URL-encoded, lists as repeated keys; a lone surrogate becomes the invalid UTF-8 bytes a broken client sends."""
    flat = [(name, each) for name, value in pairs for each in (value if isinstance(value, list) else [value])]
    return urlencode(flat, encoding="utf-8", errors="surrogatepass")


def route_name(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name


def row_counts() -> tuple[int, ...]:
    """The number of rows of each watched table, in one query."""
    tables = [apps.get_model(label)._meta.db_table for label in WATCHED_MODELS]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {table})" for table in tables))
        return tuple(cursor.fetchone())


def _consume(response) -> None:
    """Reads a streamed answer (a file download) to its end, which closes the file (warnings are errors)."""
    if response.streaming:
        b"".join(response.streaming_content)


def _short(value) -> str:
    text = repr(value)
    return text if len(text) < 40 else f"{text[:30]}…({len(text)} characters)"


@dataclass
class Fuzzer:
    role: str
    client: Client
    done: set  # the forms and queries already fuzzed, by any role
    problems: list[str] = field(default_factory=list)
    reached: set[str] = field(default_factory=set)

    def send(self, method: str, path: str, pairs, *, what: str, refused: bool, flagged: Iterable[str] = ()) -> None:
        """No answer may be a server error. When the input must be `refused`, no row may be added or removed (input
        that is valid text, a note made of digits, may well be saved), and the `flagged` fields of a form shown again
        must carry their error."""
        before = row_counts()
        body = encode(pairs)
        if method == "get":
            response = self.client.get(f"{path}?{body}" if body else path)
        else:
            response = self.client.generic("POST", path, body, content_type="application/x-www-form-urlencoded")
        _consume(response)
        request = f"{self.role}: {method.upper()} {path} {what}"
        if response.status_code >= 500:
            self.problems.append(f"{request} → {response.status_code}")
        if refused and row_counts() != before:
            after = row_counts()
            changed = {label: a - b for label, a, b in zip(WATCHED_MODELS, after, before, strict=True) if a != b}
            self.problems.append(f"{request} was not refused: wrote {changed}")
        flagged = set(flagged)
        if flagged and response.status_code == 200 and "html" in response.get("Content-Type", ""):
            reader = PageReader(path)
            reader.feed(response.content.decode())
            if not_flagged := sorted(flagged - reader.invalid):
                self.problems.append(f"{request}: no error shown next to {not_flagged}")
        elif flagged and response.status_code < 400:
            self.problems.append(f"{request} was accepted ({response.status_code})")

    def crawl(self, start: Iterable[str]) -> list[Form]:
        """The `start` pages and the pages reached by their links, one per route; returns their forms, htmx endpoints,
        and a GET form for each link carrying a query string."""
        queue = [(url, True) for url in start]
        seen_routes: set[str] = set()
        forms: list[Form] = []
        while queue:
            url, always = queue.pop(0)
            path, query = urlsplit(url).path, urlsplit(url).query
            name = route_name(path)
            if name is None or name in NOT_CRAWLED:
                continue
            if query:
                forms.append(Form(method="get", action=url))
            if not always:  # a start page does not stand for its route: a link may lead to another page of it
                if name in seen_routes:
                    continue
                seen_routes.add(name)
            self.reached.add(name)
            response = self.client.get(url)
            _consume(response)
            if response.status_code >= 500:
                self.problems.append(f"{self.role}: GET {url} → {response.status_code}")
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            reader = PageReader(path)
            reader.feed(response.content.decode())
            for link in reader.links:
                parts = urlsplit(link)
                if parts.netloc or not parts.path.startswith("/") or parts.path.startswith(("/static/", "/media/")):
                    continue
                queue.append((parts.path + (f"?{parts.query}" if parts.query else ""), False))
            forms.extend(reader.forms)
        return forms

    def fuzz(self, form: Form) -> None:
        action = urlsplit(form.action)
        path = action.path or "/"
        try:
            match = resolve(path)
        except Resolver404:
            return
        name = route_name(path)
        if name in NOT_CRAWLED:
            return
        self.reached.add(name)
        # The link's own query (a filter, a tab) is part of what a browser sends.
        pairs = parse_qsl(action.query, keep_blank_values=True) + [
            (each, value) for each, value in form.fields if each != "csrfmiddlewaretoken"
        ]
        fields = list(dict.fromkeys([each for each, _ in pairs] + form.names))
        words = tuple(sorted(str(value) for value in match.kwargs.values() if not str(value).isdigit()))
        key = (form.method, name, words, tuple(sorted(fields)))
        if key in self.done:
            return
        self.done.add(key)
        # Fields that are numbers or dates: a form holding one refuses whatever is not a number or date in range.
        typed = bool((form.numbers | form.dates) & set(fields))
        for value in HOSTILE_VALUES:
            refused = "\x00" in str(value) or (typed and value not in VALID_TEXT)
            names = [*fields, "page"] if form.method == "get" else fields
            self.send(
                form.method, path, [(each, value) for each in names], what=f"all = {_short(value)}", refused=refused
            )
        posted = form.method == "post"
        for kind, values in ((form.numbers, NUMBER_VALUES), (form.dates, DATE_VALUES)):
            visible = [each for each in fields if each in kind and each not in form.hidden]
            hidden = [[each] for each in fields if each in kind and each in form.hidden]
            for group in ([visible] if visible else []) + hidden:
                for value in values:
                    mutated = [(each, v) for each, v in pairs if each not in group] + [(each, value) for each in group]
                    flagged = group if posted and group is visible else ()
                    self.send(
                        form.method,
                        path,
                        mutated,
                        what=f"{', '.join(group)} = {_short(value)}",
                        refused=posted,
                        flagged=flagged,
                    )


# ---------------------------------------------------------------------------------------------------------------------
# The test
# ---------------------------------------------------------------------------------------------------------------------


def project_routes() -> set[str]:
    names = set()

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns, None)
    return names


def demo_world(django_capture_on_commit_callbacks) -> tuple[Site, Action]:
    """The demo world, with its notifications fanned out, a territorial message and a journal attachment, so that
    every page has something to show. Returns the site whose journal holds the attachment."""
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo_data", verbosity=0)
        local_admin = User.objects.get(email="local-admin-33@demo.test")
        territorial_message_post(user=local_admin, departement_codes=["33"], body="Vague de chaleur annoncée.")
        site = Site.objects.filter(commune__departement_id="33", status="open").order_by("pk").first()
        photo = SimpleUploadedFile("photo.png", PNG, content_type="image/png")
        journal_entry_post(user=local_admin, site_id=site.pk, body="Photo du passage.", files=[photo])
        action = Action.objects.filter(departement_id="33").order_by("pk").first()
        plan = SimpleUploadedFile("plan.png", PNG, content_type="image/png")
        action_entry_post(user=local_admin, action_id=action.pk, body="Plan du relogement.", files=[plan])
    return site, action


def own_export_pages(user, capture) -> list[str]:
    """An export's progress page and file are reached after the export form is sent: the crawl starts on those of
    an export the person asked for (none for who may not export)."""
    if not permissions.can_export_sites(user):
        return []
    with capture(execute=True):
        export = site_export_request(user=user, query="statut=ouverts", sections=[], as_of=None)
    return [f"/sites/export/{export.pk}/", f"/sites/export/{export.pk}/avancement/"]


def test_no_server_error_and_nothing_written_whatever_the_input(django_capture_on_commit_callbacks):
    with_attachment, action_with_attachment = demo_world(django_capture_on_commit_callbacks)
    problems: list[str] = []
    reached: set[str] = set()
    done: set = set()
    for role in ROLES:
        client = Client(raise_request_exception=False)
        start = ANONYMOUS_START
        if role != "anonyme":
            user = User.objects.get(email=role)
            client.force_login(user)
            closed = Site.objects.visible_to(user).filter(status="closed").order_by("pk").first()
            start = [
                *SIGNED_IN_START,
                f"/sites/{with_attachment.pk}/journal/",
                f"/actions/{action_with_attachment.pk}/journal/",
            ]
            start += [f"/sites/{closed.pk}/", f"/carte/sites/{closed.pk}/"] if closed else []
            start += own_export_pages(user, django_capture_on_commit_callbacks)
        fuzzer = Fuzzer(role=role, client=client, done=done)
        for form in fuzzer.crawl(start):
            fuzzer.fuzz(form)
        if role == "anonyme":
            for template in TOKEN_URLS:
                for value in ("x", HUGE, "\x00", "x" * 5000):
                    path = template.format(value=encode([("t", value)])[2:])
                    fuzzer.send("get", path, [], what="token", refused=True)
                    posted = [("new_password1", "\x00"), ("new_password2", HUGE)]
                    fuzzer.send("post", path, posted, what="token", refused=True)
        problems += fuzzer.problems
        reached |= fuzzer.reached

    assert problems == [], "\n".join(problems)
    missing = project_routes() - reached - set(NOT_CRAWLED)
    assert sorted(missing) == [], "routes no role reached: fuzz them, or say why not in NOT_CRAWLED"
