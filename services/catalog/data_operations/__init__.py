"""Public data-operation services (公共数据运营服务, fengxian:第三十四条–第三十七条; dazhou:第六十条,第六十一条).
Importing the room registers its consumer; main.py mounts `ROUTERS` and runs `SWEEPERS`."""

from services.catalog.data_operations import (
    api,
    consumers,  # noqa: F401  (registers the consumers)
    handlers,
    oversight_api,
)

ROUTERS = [api.router, oversight_api.router]
SWEEPERS = [handlers.refresh_gauges]
