"""Review's business metrics (overdue deadlines by rule are the shared `govproj_deadlines_overdue` gauge)."""

from prometheus_client import Counter, Histogram

REVIEWS = Counter("govproj_review_reviews_total", "Scheme reviews by outcome", ["jurisdiction", "outcome"])
PRESCREENS = Counter(
    "govproj_review_prescreens_total", "Pre-screening outcomes (前置初审)", ["jurisdiction", "outcome"]
)
SCORES = Histogram(
    "govproj_review_dimension_score",
    "Scores given per dimension by each reviewer",
    ["dimension"],
    buckets=(2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 40, 60, 80, 100),
)
APPROVALS = Counter("govproj_review_approvals_total", "Approval letters issued, by final authority", ["authority"])
APPROVAL_LEAD_TIME = Histogram(
    "govproj_review_approval_lead_time_seconds",
    "From admission to the approval letter, by final authority (base unit seconds; buckets 1 day .. 1 year)",
    ["authority"],
    buckets=tuple(days * 86400 for days in (1, 3, 7, 14, 30, 60, 90, 180, 365)),
)
DRAWS = Counter("govproj_review_expert_draws_total", "Expert draws by purpose", ["purpose"])
EXCLUSIONS = Counter("govproj_review_expert_exclusions_total", "Experts left out of a draw, by rule", ["rule_id"])
PLAN_CHANGES = Counter("govproj_review_plan_changes_total", "Annual-plan changes by action", ["action"])
