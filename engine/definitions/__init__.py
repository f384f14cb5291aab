"""Process definitions: loading and validating bundles, deploying immutable versions, the spec cache."""
