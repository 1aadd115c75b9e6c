"""items-py: the Items API's list and create routes on FastAPI + uvicorn, deployed by the platform as any image
is (no `command` in its stack entry: the image's ENTRYPOINT and CMD run). Per request it does what the Node
service does (a request ID, one structlog JSON access line, a prometheus_client counter and histogram), which
also makes it the benchmark's Python peer (app/bench/app-bench.ts).

What a deployable service needs, and where it comes from here:
- /healthz answers while the process is alive (startup and liveness probes);
- /readyz answers 200 while it takes traffic, 503 from SIGTERM on (readiness probe);
- /metrics in Prometheus' text format (the stack entry's `metrics`);
- the API key from the file named by API_KEY_FILE (a mounted Secret), never from the environment;
- on SIGTERM: readiness 503 and `Connection: close` for SHUTDOWN_DELAY_SECONDS, then uvicorn's own graceful
  stop (no new connections, requests in flight finish, bounded by --timeout-graceful-shutdown in the image).
"""

import asyncio
import hmac
import logging
import os
import signal
import sys
import threading
import time
import uuid
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from typing import Optional

import structlog
from fastapi import FastAPI, Header, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from pydantic import BaseModel, Field

structlog.configure(
    processors=[
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", key="timestamp"),
        structlog.processors.JSONRenderer(),
    ],
    wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
    logger_factory=structlog.WriteLoggerFactory(file=sys.stdout),
    cache_logger_on_first_use=True,
)
log = structlog.get_logger().bind(service=os.environ.get("OTEL_SERVICE_NAME", "items-py"))

REQUESTS = Counter("http_requests_total", "API requests", ["method", "route", "status_code"])
DURATION = Histogram(
    "http_request_duration_seconds",
    "API request duration",
    ["method", "route", "status_code"],
    buckets=[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
)


class ConfigError(Exception):
    pass


def _shutdown_delay() -> float:
    raw = os.environ.get("SHUTDOWN_DELAY_SECONDS", "5")
    try:
        delay = float(raw)
    except ValueError as error:
        raise ConfigError(f"SHUTDOWN_DELAY_SECONDS={raw!r} is not a number") from error
    if not 0 <= delay <= 60:
        raise ConfigError(f"SHUTDOWN_DELAY_SECONDS={raw!r} is not between 0 and 60")
    return delay


class ApiKey:
    """The key in API_KEY_FILE, read again when the file changes: the kubelet swaps a rotated Secret in place."""

    def __init__(self, path: str):
        self.path = path
        self._stamp: Optional[tuple[int, int]] = None
        self._value = ""

    def value(self) -> str:
        stat = os.stat(self.path)
        stamp = (stat.st_ino, stat.st_mtime_ns)
        if stamp != self._stamp:
            with open(self.path, encoding="utf-8") as file:
                value = file.read().strip()
            if not value:
                raise ConfigError(f"API_KEY_FILE {self.path} is empty")
            self._value, self._stamp = value, stamp
        return self._value


def _api_key_from_env() -> ApiKey:
    path = os.environ.get("API_KEY_FILE", "")
    if not path:
        raise ConfigError("API_KEY_FILE is not set: it names the file holding the API key (the key itself never goes in the environment)")
    key = ApiKey(path)
    try:
        key.value()
    except OSError as error:
        raise ConfigError(f"API_KEY_FILE {path} cannot be read: {error.strerror}") from error
    return key


class NewItem(BaseModel):
    name: str = Field(min_length=1, max_length=255)
    description: Optional[str] = Field(default=None, max_length=1000)
    price: float = Field(gt=0, le=1_000_000_000)


class Item(NewItem):
    id: str
    created_at: str


class ItemPage(BaseModel):
    items: list[Item]
    total: int
    limit: int
    offset: int


ITEMS: dict[str, Item] = {}


def _seed(count: int) -> None:
    """SEED_ITEMS items with fixed IDs, for the benchmark: every worker then returns the same page."""
    for index in range(count):
        seeded = Item(
            id=str(uuid.UUID(int=index)),
            name=f"item-{index}",
            description="benchmark item",
            price=index + 1,
            created_at=datetime.now(timezone.utc).isoformat(),
        )
        ITEMS[seeded.id] = seeded


class Lifecycle:
    """Started, then draining from SIGTERM on; what /readyz reports."""

    def __init__(self) -> None:
        self.started = False
        self.draining = False


STATE = Lifecycle()


def _take_over_sigterm(delay: float) -> None:
    """
    uvicorn installs its SIGTERM handler before the app starts and stops at once when it runs. This handler
    runs first: readiness turns 503 (the kubelet takes the pod out of the Service's endpoints) and every
    response says `Connection: close` (keep-alive clients reconnect elsewhere); after `delay` seconds it hands
    the signal to uvicorn's handler, which stops as it always does. uvicorn raises the signal again once it
    has stopped, so the process ends by SIGTERM (exit status 143 in a container), as any uvicorn app does.
    Signals reach only the main thread; with --workers each worker process runs its own copy of this.
    """
    if threading.current_thread() is not threading.main_thread():
        return
    loop = asyncio.get_running_loop()
    uvicorn_handler = signal.getsignal(signal.SIGTERM)

    def hand_over(signum: int) -> None:
        if callable(uvicorn_handler):
            uvicorn_handler(signum, None)
        else:
            # No uvicorn handler (run some other way): stop as an unhandled SIGTERM would.
            signal.signal(signum, signal.SIG_DFL)
            signal.raise_signal(signum)

    def on_sigterm(signum: int, _frame: object) -> None:
        if STATE.draining:
            log.info("signal_ignored", signal="SIGTERM", reason="already draining")
            return
        STATE.draining = True
        log.info("shutdown_started", signal="SIGTERM", delay_seconds=delay)
        loop.call_soon_threadsafe(loop.call_later, delay, hand_over, signum)

    signal.signal(signal.SIGTERM, on_sigterm)


@asynccontextmanager
async def lifespan(app: FastAPI):
    # A config mistake fails the start (uvicorn exits 3), so a bad rollout stops at its first pod.
    try:
        delay = _shutdown_delay()
        app.state.api_key = _api_key_from_env()
        _seed(int(os.environ.get("SEED_ITEMS", "0")))
    except (ConfigError, ValueError) as error:
        log.error("config_invalid", error=str(error))
        raise
    _take_over_sigterm(delay)
    STATE.started = True
    log.info("application_started")
    yield
    log.info("application_stopped")


app = FastAPI(lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)


@app.middleware("http")
async def observe(request: Request, call_next):
    started = time.perf_counter()
    request_id = request.headers.get("x-request-id") or str(uuid.uuid4())
    response = await call_next(request)
    elapsed = time.perf_counter() - started
    route = getattr(request.scope.get("route"), "path", "unmatched")
    labels = (request.method, route, str(response.status_code))
    REQUESTS.labels(*labels).inc()
    DURATION.labels(*labels).observe(elapsed)
    response.headers["x-request-id"] = request_id
    if STATE.draining:
        response.headers["connection"] = "close"
    log.info(
        "request_completed",
        request_id=request_id,
        method=request.method,
        route=route,
        status_code=response.status_code,
        duration_ms=round(elapsed * 1000, 3),
    )
    return response


@app.get("/healthz")
async def healthz():
    return {"status": "alive"}


@app.get("/readyz")
async def readyz():
    if STATE.draining:
        return JSONResponse({"status": "shutting_down"}, status_code=503)
    if not STATE.started:
        return JSONResponse({"status": "starting"}, status_code=503)
    return {"status": "ready"}


@app.get("/metrics")
async def metrics():
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


@app.get("/api/v1/items/", response_model=ItemPage)
async def list_items(limit: int = Query(20, ge=1, le=100), offset: int = Query(0, ge=0, le=10_000_000)):
    page = list(ITEMS.values())[offset : offset + limit]
    return ItemPage(items=page, total=len(ITEMS), limit=limit, offset=offset)


@app.post("/api/v1/items/", status_code=201, response_model=Item)
async def create_item(request: Request, item: NewItem, authorization: str = Header("")):
    try:
        key = request.app.state.api_key.value()
    except (OSError, ConfigError) as error:
        log.error("api_key_unreadable", error=str(error))
        raise HTTPException(status_code=503, detail="api key unavailable") from error
    # Constant time: how much of a guessed key matched must not show in the response time.
    if not hmac.compare_digest(authorization.encode(), f"Bearer {key}".encode()):
        raise HTTPException(status_code=401, detail="unauthorized")
    created = Item(id=str(uuid.uuid4()), created_at=datetime.now(timezone.utc).isoformat(), **item.model_dump())
    ITEMS[created.id] = created
    return created
