"""The load mix for `make load` (run by load/run.py, headless, against a server on loopback):

- champions open their session's register, change three people's marks and save it (each
  champion has a register of their own, so the order of its saves, and so its final state, is
  known; every save that succeeded is written to the journal and checked in the database after);
- coordinators find people with the find-people filters;
- managers open the participation dashboard (/reports/; the home page if it does not exist).

Bounded: the run time (-t) and LOAD_MAX_REQUESTS requests, whichever comes first.
Settings come from the environment: LOAD_PLAN (from load/prepare.py), LOAD_JOURNAL.
"""

from __future__ import annotations

import json
import os
import random
import re
import threading
from html.parser import HTMLParser

import gevent
from locust import HttpUser, between, events, task
from locust.exception import StopUser

PLAN = json.load(open(os.environ["LOAD_PLAN"]))  # noqa: SIM115 - read once at start
JOURNAL = os.environ["LOAD_JOURNAL"]
MAX_REQUESTS = int(os.environ.get("LOAD_MAX_REQUESTS", "20000"))
MARKS = ("attended", "apologies", "no_show")
FILTERS = [
    {"type": "parent_champion", "sort": "fair"},
    {"type": "parent_carer", "consent": "contact"},
    {"attended_min": "3", "sort": "engaged"},
    {"needs": "creche"},
    {"never_attended": "1"},
    {"type": "volunteer", "sort": "recent"},
    {"tag_mode": "any", "status": "active", "sort": "name"},
]

_lock = threading.Lock()
_accounts = {kind: list(PLAN[kind]) for kind in ("champions", "coordinators", "managers")}
_requests = 0
_dashboard = {"path": None}


_environment: dict = {}


@events.init.add_listener
def _keep_environment(environment, **_kwargs):
    _environment["current"] = environment


@events.request.add_listener
def _count_requests(**_kwargs):
    global _requests
    _requests += 1
    environment = _environment.get("current")
    if _requests == MAX_REQUESTS and environment is not None and environment.runner is not None:
        gevent.spawn(environment.runner.quit)


def _take(kind: str):
    with _lock:
        if not _accounts[kind]:
            raise StopUser()
        return _accounts[kind].pop(0)


class RegisterForm(HTMLParser):
    """The fields of the register form as a browser would submit them."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self._inside = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._inside = attrs.get("id") == "register"
        if not self._inside or tag != "input" or not attrs.get("name"):
            return
        kind = attrs.get("type", "text")
        if kind in ("radio", "checkbox"):
            if "checked" in attrs:
                self.fields[attrs["name"]] = attrs["value"]
        elif kind != "submit":
            self.fields[attrs["name"]] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._inside = False


CSRF = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


class SignedInUser(HttpUser):
    abstract = True
    wait_time = between(0.2, 1.0)

    def sign_in(self, email: str) -> None:
        page = self.client.get("/sign-in", name="sign in (form)")
        token = CSRF.search(page.text)
        with self.client.post(
            "/sign-in",
            data={"csrf_token": token.group(1) if token else "", "email": email, "password": PLAN["password"]},
            allow_redirects=False,
            name="sign in",
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"sign-in gave {response.status_code}")
                raise StopUser()


class Champion(SignedInUser):
    fixed_count = len(PLAN["champions"])
    weight = 3

    def on_start(self):
        account = _take("champions")
        self.session_id = account["session_id"]
        self.sign_in(account["email"])

    @task
    def save_register(self):
        url = f"/sessions/{self.session_id}/register"
        page = self.client.get(url, name="register (open)")
        if page.status_code != 200:
            return
        reader = RegisterForm()
        reader.feed(page.text)
        fields = reader.fields
        rows = [name[: -len("person_id")] for name in fields if name.endswith("-person_id")]
        if not rows:
            return
        for prefix in random.sample(rows, min(3, len(rows))):
            current = fields.get(prefix + "status")
            fields[prefix + "status"] = random.choice([m for m in MARKS if m != current])
            fields[prefix + "minutes"] = ""
        marks = {fields[p + "person_id"]: fields[p + "status"] for p in rows if fields.get(p + "status") in MARKS}
        with self.client.post(
            url, data=fields, allow_redirects=False, name="register (save)", catch_response=True
        ) as saved:
            if saved.status_code == 302 and "/summary" in saved.headers.get("Location", ""):
                with _lock, open(JOURNAL, "a") as journal:
                    journal.write(json.dumps({"session_id": self.session_id, "marks": marks}) + "\n")
            else:
                saved.failure(f"register save gave {saved.status_code}")


class Coordinator(SignedInUser):
    fixed_count = len(PLAN["coordinators"])
    weight = 2

    def on_start(self):
        self.sign_in(_take("coordinators"))

    @task(4)
    def find_people(self):
        with self.client.get("/find", params=random.choice(FILTERS), name="find people", catch_response=True) as page:
            if page.status_code != 200 or "There is a problem" in page.text:
                page.failure(f"find people gave {page.status_code}")

    @task(1)
    def people_list(self):
        self.client.get("/people/", params={"page": random.randint(1, 20)}, name="people list")


class Manager(SignedInUser):
    fixed_count = len(PLAN["managers"])
    weight = 1

    def on_start(self):
        self.sign_in(_take("managers"))
        if _dashboard["path"] is None:
            probe = self.client.get("/reports/", name="dashboard (probe)", allow_redirects=False)
            _dashboard["path"] = "/reports/" if probe.status_code == 200 else "/home"

    @task
    def dashboard(self):
        path = _dashboard["path"]
        self.client.get(path, name="dashboard" if path == "/reports/" else "home (no dashboard yet)")
