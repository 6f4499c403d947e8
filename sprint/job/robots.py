"""A local group-robot server on loopback, for the tests and the demo: it answers as WeCom's
and DingTalk's robot webhooks do, and keeps every message it takes as a file.

WeCom: POST /cgi-bin/webhook/send?key=NAME. DingTalk: POST /robot/send?access_token=NAME
&timestamp=MS&sign=S, the signature checked with the robot's secret and the timestamp within an
hour. Each robot takes `limit` messages per `window` seconds (20 a minute, as both services);
past it WeCom answers errcode 45009, DingTalk 130101 and throttles the robot for `hold` seconds.
Each message taken is kept as `<folder>/<NAME>/<n>.md` (the text as the chat shows it) beside
its JSON."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

WECOM_PATH, DINGTALK_PATH = "/cgi-bin/webhook/send", "/robot/send"
WECOM_TYPES = {"text": "content", "markdown": "content"}
DINGTALK_TYPES = {"text": "content", "markdown": "text"}
SIZE = {("wecom", "markdown"): 4096, ("wecom", "text"): 2048,
        ("dingtalk", "markdown"): 20000, ("dingtalk", "text"): 20000}


class RobotServer:
    def __init__(self, folder: Path | str, secrets: dict[str, str] | None = None,
                 limit: int = 20, window: float = 60.0, hold: float = 600.0,
                 host: str = "127.0.0.1", port: int = 0):
        self.folder, self.secrets = Path(folder), dict(secrets or {})
        self.limit, self.window, self.hold = limit, window, hold
        self.received: list[tuple[str, str, dict]] = []  # (kind, robot, payload) taken
        self.refused: list[tuple[str, str, int]] = []  # (kind, robot, errcode) not taken
        self.over_limit = 0  # messages that came past a robot's limit
        self._times: dict[str, list[float]] = {}
        self._held: dict[str, float] = {}
        self._lock = threading.Lock()
        self.fail_with: dict[str, tuple[int, str]] = {}  # robot -> (errcode, errmsg), for tests
        self.delay = 0.0  # seconds each answer waits (a test kills its sender meanwhile)
        self.arrived = 0  # posts come in, answered or not yet
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length") or 0)
                code, message = server.answer(self.path, self.rfile.read(length))
                body = json.dumps({"errcode": code, "errmsg": message}).encode()
                # A sender that gave up waiting (its time-out) is gone: nothing to answer.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)

            def log_message(self, *args):  # quiet: the kept files say what came
                pass

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads, self._server.block_on_close = True, False
        self.host, self.port = self._server.server_address[:2]
        self._thread: threading.Thread | None = None

    def url(self, kind: str, name: str) -> str:
        if kind == "wecom":
            return f"http://{self.host}:{self.port}{WECOM_PATH}?key={name}"
        return f"http://{self.host}:{self.port}{DINGTALK_PATH}?access_token={name}"

    def start(self) -> RobotServer:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer(self, path: str, raw: bytes) -> tuple[int, str]:
        url = urllib.parse.urlsplit(path)
        query = dict(urllib.parse.parse_qsl(url.query))
        if url.path == WECOM_PATH and query.get("key"):
            kind, name = "wecom", query["key"]
        elif url.path == DINGTALK_PATH and query.get("access_token"):
            kind, name = "dingtalk", query["access_token"]
        else:
            return 404, "no such robot"
        with self._lock:
            self.arrived += 1
        waited = time.monotonic()
        while time.monotonic() - waited < self.delay:
            time.sleep(0.05)
        with self._lock:
            code, message = self._check(kind, name, query, raw)
            if code == 0:
                self._keep(kind, name, json.loads(raw))
            else:
                self.refused.append((kind, name, code))
            return code, message

    def _check(self, kind: str, name: str, query: dict, raw: bytes) -> tuple[int, str]:
        now = time.time()
        if kind == "dingtalk" and self._held.get(name, 0) > now:
            return 130101, "send too fast, exceed 20 times per minute"
        times = [t for t in self._times.get(name, []) if now - t < self.window]
        self._times[name] = times
        if len(times) >= self.limit:
            self.over_limit += 1
            if kind == "dingtalk":
                self._held[name] = now + self.hold
                return 130101, "send too fast, exceed 20 times per minute"
            return 45009, "api freq out of limit"
        if kind == "dingtalk" and name in self.secrets:
            if problem := self._signature(self.secrets[name], query, now):
                return 310000, problem
        try:
            payload = json.loads(raw)
        except ValueError:
            return 40001 if kind == "wecom" else 300001, "invalid json"
        if problem := _shape(kind, payload):
            return 40008 if kind == "wecom" else 300001, problem
        if name in self.fail_with:
            return self.fail_with[name]
        times.append(now)
        return 0, "ok"

    @staticmethod
    def _signature(secret: str, query: dict, now: float) -> str:
        stamp = query.get("timestamp", "")
        if not stamp.isdigit() or abs(now * 1000 - int(stamp)) > 3600 * 1000:
            return "sign not match: timestamp is invalid or more than an hour away"
        digest = hmac.new(secret.encode(), f"{stamp}\n{secret}".encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(query.get("sign", ""), base64.b64encode(digest).decode()):
            return "sign not match"
        return ""

    def _keep(self, kind: str, name: str, payload: dict) -> None:
        self.received.append((kind, name, payload))
        folder = self.folder / name
        folder.mkdir(parents=True, exist_ok=True)
        n = len(list(folder.glob("*.json"))) + 1
        stem = f"{time.strftime('%Y%m%dT%H%M%S')}-{n:04d}"
        (folder / f"{stem}.json").write_text(json.dumps(payload, ensure_ascii=False, indent=1),
                                            encoding="utf-8")
        (folder / f"{stem}.md").write_text(shown(payload), encoding="utf-8")


def shown(payload: dict) -> str:
    """The text the chat shows."""
    kind = payload.get("msgtype")
    field = DINGTALK_TYPES.get(kind) if "at" in payload or "title" in payload.get(kind, {}) \
        else WECOM_TYPES.get(kind)
    return str(payload.get(kind, {}).get(field or "content", ""))


def _shape(kind: str, payload) -> str:
    """What is wrong with the message's JSON for this service, or nothing."""
    if not isinstance(payload, dict):
        return "not a JSON object"
    msgtype = payload.get("msgtype")
    types = WECOM_TYPES if kind == "wecom" else DINGTALK_TYPES
    if msgtype not in types:
        return f"msgtype {msgtype!r} not supported"
    body = payload.get(msgtype)
    if not isinstance(body, dict) or not isinstance(body.get(types[msgtype]), str) \
            or not body[types[msgtype]].strip():
        return f"{msgtype}.{types[msgtype]} missing"
    if kind == "dingtalk" and msgtype == "markdown" and not body.get("title"):
        return "markdown.title missing"
    if len(body[types[msgtype]].encode()) > SIZE[(kind, msgtype)]:
        return f"content exceeds {SIZE[(kind, msgtype)]} bytes"
    mentioned = body.get("mentioned_mobile_list") if kind == "wecom" else (
        (payload.get("at") or {}).get("atMobiles"))
    if mentioned is not None and not (isinstance(mentioned, list)
                                      and all(isinstance(m, str) for m in mentioned)):
        return "mentioned mobiles must be a list of strings"
    return ""


def local_robots(plan, folder: Path, env: dict[str, str]) -> RobotServer | None:
    """For `sprint up`: a local robot server standing in for every robot of the plan whose URL
    variable is not set (a real robot's is left alone), its URL and a fresh secret written into
    `env` for the children; None when every robot is real or the plan has none."""
    import secrets as tokens

    local = [u for u in plan.units if u.robot is not None and not env.get(u.robot.url_env)]
    if not local:
        return None
    keys = {u.code: (env.get(u.robot.secret_env) or tokens.token_hex(16)) if u.robot.secret_env
            else "" for u in local}
    server = RobotServer(folder, {code: key for code, key in keys.items() if key}).start()
    for u in local:
        env[u.robot.url_env] = server.url(u.robot.kind, u.code)
        if u.robot.secret_env:
            env[u.robot.secret_env] = keys[u.code]
    return server
