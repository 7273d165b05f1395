"""Data-operation metrics (`govproj_catalog_*`): tasks by state, operator ratings."""

from prometheus_client import Counter, Gauge, Histogram

TASKS = Gauge(
    "govproj_catalog_data_operation_tasks", "Data-operation service tasks by state", ["jurisdiction", "state"]
)
TASK_STEPS = Counter(
    "govproj_catalog_data_operation_task_steps_total", "Data-operation task steps", ["jurisdiction", "step"]
)
OPERATOR_RATINGS = Histogram(
    "govproj_catalog_operator_rating_score",
    "Ratings given to data operators (0–100)",
    ["jurisdiction"],
    buckets=(20, 40, 60, 70, 80, 90, 100),
)
