"""Review's business metrics."""

from prometheus_client import Counter

REVIEWS = Counter("govproj_review_reviews_total", "Scheme reviews by outcome", ["jurisdiction", "outcome"])
APPROVALS = Counter("govproj_review_approvals_total", "Approval letters issued, by final authority", ["authority"])
