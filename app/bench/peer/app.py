"""The benchmark's Python peer: the same list/create routes as the Items API on FastAPI + uvicorn, with what the
Node service does per request (request ID, one structlog JSON access line, prometheus_client counter and
histogram). Every worker seeds the same PEER_SEED_ITEMS items at start, so any worker returns the same page."""

import logging
import os
import sys
import time
import uuid
from datetime import datetime, timezone
from typing import Optional

import structlog
from fastapi import FastAPI, Header, HTTPException, Query, Request, Response
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
log = structlog.get_logger().bind(service="items-api-peer", logger="http")

REQUESTS = Counter("http_requests_total", "API requests", ["method", "route", "status_code"])
DURATION = Histogram(
    "http_request_duration_seconds",
    "API request duration",
    ["method", "route", "status_code"],
    buckets=[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
)
API_KEY = os.environ.get("API_KEY", "")


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
for index in range(int(os.environ.get("PEER_SEED_ITEMS", "0"))):
    seeded = Item(
        id=str(uuid.UUID(int=index)),
        name=f"item-{index}",
        description="benchmark item",
        price=index + 1,
        created_at=datetime.now(timezone.utc).isoformat(),
    )
    ITEMS[seeded.id] = seeded

app = FastAPI()


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
    log.info(
        "request_completed",
        request_id=request_id,
        method=request.method,
        route=route,
        status_code=response.status_code,
        duration_ms=round(elapsed * 1000, 3),
    )
    return response


@app.get("/health")
async def health():
    return {"status": "healthy"}


@app.get("/metrics")
async def metrics():
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


@app.get("/api/v1/items/", response_model=ItemPage)
async def list_items(limit: int = Query(20, ge=1, le=100), offset: int = Query(0, ge=0, le=10_000_000)):
    page = list(ITEMS.values())[offset : offset + limit]
    return ItemPage(items=page, total=len(ITEMS), limit=limit, offset=offset)


@app.post("/api/v1/items/", status_code=201, response_model=Item)
async def create_item(item: NewItem, authorization: str = Header("")):
    if not API_KEY or authorization != f"Bearer {API_KEY}":
        raise HTTPException(status_code=401, detail="unauthorized")
    created = Item(id=str(uuid.uuid4()), created_at=datetime.now(timezone.utc).isoformat(), **item.model_dump())
    ITEMS[created.id] = created
    return created
