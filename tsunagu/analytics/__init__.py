"""Analytics: the feature pipeline (polars), churn / next-product / conversion models with reasons,
versioned model artifacts, scoring, and the generic propensity commands."""
