"""Posting to a group robot's webhook and reading its answer, on httpx.

Our own small client, not Apprise's: Apprise's DingTalk plugin takes any HTTP 200 as sent (the
service answers its throttling, errcode 130101, with 200), its WeCom plugin sends plain text
only, and a notifier answering True or False cannot tell a refused message from one whose
answer was lost, which the outbox must keep apart (failed, held, or in doubt)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.parse
from dataclasses import dataclass

import httpx

DINGTALK_THROTTLED, WECOM_THROTTLED = 130101, 45009


@dataclass(frozen=True)
class Answer:
    sent: bool = False
    throttled: bool = False  # the service's "too fast": the robot's queue waits
    transient: bool = False  # not taken (no connection, a server error): try again later
    in_doubt: bool = False  # sent, the answer lost: it may have arrived
    error: str = ""


def sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's signature: HMAC-SHA256 of `timestamp + "\\n" + secret` keyed by the secret,
    base64, URL-encoded."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))


def signed_url(url: str, secret: str | None, now_ms: int | None = None) -> str:
    if not secret:
        return url
    stamp = int(time.time() * 1000) if now_ms is None else now_ms
    return f"{url}{'&' if '?' in url else '?'}timestamp={stamp}&sign={sign(secret, stamp)}"


def post(kind: str, url: str, secret: str | None, payload: bytes, timeout: float = 10.0,
         client: httpx.Client | None = None) -> Answer:
    """One message to one robot; the payload is the JSON recorded in the outbox."""
    target = signed_url(url, secret) if kind == "dingtalk" else url
    own = client is None
    client = client or httpx.Client(timeout=timeout)
    try:
        r = client.post(target, content=payload, headers={"Content-Type": "application/json"})
    except (httpx.ConnectError, httpx.ConnectTimeout) as e:
        return Answer(transient=True, error=f"连接失败：{e}")
    except httpx.TransportError as e:  # the message went; its answer did not come back
        return Answer(in_doubt=True, error=f"已发出但未收到应答：{e!r}")
    finally:
        if own:
            client.close()
    if r.status_code >= 500 or r.status_code == 429:
        return Answer(transient=True, error=f"HTTP {r.status_code}")
    try:
        body = r.json()
        code = int(body.get("errcode", -1))
    except (ValueError, TypeError, AttributeError):
        return Answer(error=f"HTTP {r.status_code}，应答不可读：{r.text[:200]}")
    if r.status_code == 200 and code == 0:
        return Answer(sent=True)
    if code in (DINGTALK_THROTTLED, WECOM_THROTTLED):
        return Answer(throttled=True, error=f"发送过快（errcode {code}）")
    return Answer(error=f"HTTP {r.status_code}，errcode {code}：{body.get('errmsg', '')}")


def payload_bytes(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode()
