"""Expert review: expert pools, assignment, review forms, the problem-thesis decision, results."""
