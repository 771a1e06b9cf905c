"""The persisted job queue (a database table with leases) and the worker that runs it.

A claimed job holds a lease that its worker renews while it runs; a worker that dies stops
renewing, the lease expires, and the next worker claims the job again (attempts counted), so
no job is lost or left running forever. After `max_attempts` the job ends in error and its
handler's `give_up` records why.
"""
