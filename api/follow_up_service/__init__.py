"""Between the follow-up domain (`review.allegations`, `rectification`, `consequences`,
`feedback`) and the database, in three parts:

- `store`: allegations, rectification items and 问责 decisions as rows holding the JSON
  form of the domain objects, changed under an optimistic lock;
- `intake`: the public allegation (举报) — rate limit, size limits, proof of work, field
  and attachment checks — for both the portal form and `POST /v1/allegations`;
- `views`: what each caller sees, and the rule that an institution sees only its own.
"""
