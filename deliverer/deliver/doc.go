// Package deliver is the deliverer's run loop: it consumes the deliveries
// topic and every retry tier in the hookstream-deliverer group, sends each
// task to its webhook (pick → sign → send → classify → record), keeps the
// order of ordered webhooks, retries failures (in place for ordered webhooks,
// through the tiers for the others) until they succeed or are dead-lettered,
// writes every attempt and the webhook's status, and commits what is durably
// finished. docs/delivery.md gives the reasoning.
//
// A task's path through the files:
//
//   - deliverer.go: the Deliverer, its client and its run (Run, consume,
//     shutdown).
//   - poll.go: the poll loop fetches while the budget (budget.go) has room,
//     and rewinds partitions for lanes; partition.take decides whether a
//     record is to be sent and which tracker it finishes in (partition.go,
//     tracker.go); intake decodes it into a job.
//   - tier.go: a retry-tier job waits, its partition paused, until it is due.
//   - endpoint.go: the job joins its webhook's queue; an ordered one its
//     key's line (order.go); an endpoint failing, not answering or slower
//     than its inflow is parked instead (lane.go). pool.go lends workers to
//     endpoints.
//   - attempt.go: a worker sends a batch; outcome.Decide says what follows.
//   - record.go, outbox.go: the attempt's records are produced; then the
//     jobs are done, or (ordered) wait in their line for their retry.
//   - commit.go, offsetmap.go: commits carry the partition's low-water mark
//     and, in their metadata, what is finished above it and the lanes; an
//     ordered key goes on once its last job is on record there.
//   - rebalance.go: a partition assigned starts from its commit's metadata;
//     a revoked one finishes what is in flight and commits.
package deliver
