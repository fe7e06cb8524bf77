// Package fakebroker starts franz-go's in-process broker (kfake) with a guard
// that gives its classic consumer groups two liveness rules of Apache Kafka
// that kfake lacks. Without them a group stalls after a member is killed:
//
//   - Kafka keeps a member alive while its JoinGroup or SyncGroup waits for
//     the rest of the group. kfake lets the session timer run on, and when it
//     fires it drops the member without answering the waiting request: the
//     client hangs until its read deadline (the rebalance timeout plus the
//     request overhead, 70 s with franz-go's defaults) and only then rejoins.
//   - Kafka starts every member's session timer when a rebalance completes.
//     kfake starts it only if the JoinGroup answer reached the client, so a
//     new member killed while its first JoinGroup waited stays in the group
//     for good, holding partitions that nobody consumes, and every later
//     rebalance waits the whole rebalance timeout for it.
//
// The guard watches JoinGroup, SyncGroup and LeaveGroup requests through
// kfake's control functions and polls the groups' state. It heartbeats for a
// member whose request is waiting, and it sends LeaveGroup for a member that
// was answered a JoinGroup but sent no SyncGroup for longer than its session
// timeout, as Kafka would have expired it.
package fakebroker

import (
	"context"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// ListenFunc opens a broker's listener; kfake passes 127.0.0.1 and the port.
type ListenFunc func(network, address string) (net.Listener, error)

// Start starts a kfake cluster with opts and its group guard. listen opens
// the listeners (nil: kfake's address); opts must not hold kfake.ListenFn.
// The guard ends when the cluster is closed. log (nil: none) gets a line for
// every member the guard removes.
func Start(listen ListenFunc, log *slog.Logger, opts ...kfake.Opt) (*kfake.Cluster, error) {
	if listen == nil {
		listen = net.Listen
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	g := &guard{log: log, members: map[memberKey]*member{}, tick: time.Second, wake: make(chan struct{}, 1), closed: make(chan struct{})}
	c, err := kfake.NewCluster(append(opts, kfake.ListenFn(g.listen(listen)))...)
	if err != nil {
		return nil, err
	}
	client, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		c.Close()
		return nil, err
	}
	for _, key := range []int16{kmsg.JoinGroup.Int16(), kmsg.SyncGroup.Int16(), kmsg.LeaveGroup.Int16()} {
		c.ControlKey(key, func(req kmsg.Request) (kmsg.Response, error, bool) {
			g.observe(req)
			return nil, nil, false
		})
	}
	go g.run(client)
	return c, nil
}

// grace is how much longer than its session timeout an answered member may
// stay silent before the guard removes it. Only members kfake forgot to time
// are at stake: kfake's own timer expires every other one at the timeout.
const grace = 2 * time.Second

type memberKey struct{ group, id string }

type member struct {
	instanceID *string
	session    time.Duration
	// gen is the generation of the member's latest SyncGroup, -1 before
	// its first one: the only generation a heartbeat for it can carry.
	gen int32
	// req is the member's latest JoinGroup or SyncGroup, seen at at, and
	// answered is when the guard saw that it was answered (zero: waiting).
	req      kmsg.Key
	at       time.Time
	answered time.Time
}

type guard struct {
	log     *slog.Logger
	mu      sync.Mutex
	members map[memberKey]*member
	// tick is the time between checks: short against the shortest session
	// timeout seen, so a waiting member is heartbeaten several times before
	// its timer could fire. wake cuts the current wait when it shrinks.
	tick time.Duration
	wake chan struct{}
	// closed ends the guard: the cluster closes its listeners first thing
	// in Close.
	closeOnce sync.Once
	closed    chan struct{}
}

func (g *guard) listen(listen ListenFunc) ListenFunc {
	return func(network, address string) (net.Listener, error) {
		ln, err := listen(network, address)
		if err != nil {
			return nil, err
		}
		return &listener{Listener: ln, g: g}, nil
	}
}

type listener struct {
	net.Listener
	g *guard
}

func (l *listener) Close() error {
	l.g.closeOnce.Do(func() { close(l.g.closed) })
	return l.Listener.Close()
}

// observe runs on kfake's loop before kfake handles req, so a request the
// guard sends after observe returned is handled after req.
func (g *guard) observe(req kmsg.Request) {
	now := time.Now()
	g.mu.Lock()
	defer g.mu.Unlock()
	switch r := req.(type) {
	case *kmsg.JoinGroupRequest:
		if r.MemberID == "" {
			return // the broker answers at once with the member's id
		}
		m := g.member(r.Group, r.MemberID)
		m.instanceID, m.session = r.InstanceID, time.Duration(r.SessionTimeoutMillis)*time.Millisecond
		if tick := max(m.session/5, 50*time.Millisecond); tick < g.tick {
			g.tick = tick
			select {
			case g.wake <- struct{}{}:
			default:
			}
		}
		m.req, m.at, m.answered = kmsg.JoinGroup, now, time.Time{}
	case *kmsg.SyncGroupRequest:
		m := g.member(r.Group, r.MemberID)
		m.gen = r.Generation
		m.req, m.at, m.answered = kmsg.SyncGroup, now, time.Time{}
	case *kmsg.LeaveGroupRequest:
		delete(g.members, memberKey{r.Group, r.MemberID})
		for _, lm := range r.Members {
			delete(g.members, memberKey{r.Group, lm.MemberID})
		}
	}
}

func (g *guard) member(group, id string) *member {
	k := memberKey{group, id}
	m, ok := g.members[k]
	if !ok {
		m = &member{gen: -1}
		g.members[k] = m
	}
	return m
}

// run checks the groups every tick until the cluster closes.
func (g *guard) run(client *kgo.Client) {
	defer client.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-g.closed
		cancel()
	}()
	for {
		g.mu.Lock()
		tick := g.tick
		g.mu.Unlock()
		select {
		case <-ctx.Done():
			return
		case <-g.wake:
		case <-time.After(tick):
		}
		g.check(ctx, client)
	}
}

// check reads the state of every group the guard knows members of and acts
// on each member whose latest request kfake handled before the read. No
// request is sent under g.mu: kfake's loop waits for observe, which takes it.
func (g *guard) check(ctx context.Context, client *kgo.Client) {
	read := time.Now()
	g.mu.Lock()
	seen := map[memberKey]member{}
	groupSet := map[string]bool{}
	for k, m := range g.members {
		if m.at.Before(read) {
			seen[k] = *m
			groupSet[k.group] = true
		}
	}
	g.mu.Unlock()
	if len(groupSet) == 0 {
		return
	}
	req := kmsg.NewPtrDescribeGroupsRequest()
	for name := range groupSet {
		req.Groups = append(req.Groups, name)
	}
	resp, err := req.RequestWith(ctx, client)
	if err != nil {
		return // the cluster is closing, or busy: the next tick tries again
	}
	states := map[string]string{}
	listed := map[memberKey]bool{}
	for _, dg := range resp.Groups {
		if dg.ErrorCode == 0 {
			states[dg.Group] = dg.State
			for _, dm := range dg.Members {
				listed[memberKey{dg.Group, dm.MemberID}] = true
			}
		}
	}
	for k, m := range seen {
		state, ok := states[k.group]
		if !ok {
			continue
		}
		gone := !listed[k]
		if !gone && m.answered.IsZero() && !g.stillWaiting(ctx, client, k, &m, state) {
			m.answered = read
		}
		silent := !gone && m.req == kmsg.JoinGroup && !m.answered.IsZero() && time.Since(m.answered) > m.session+grace
		if silent {
			gone = g.leave(ctx, client, k, &m)
		}
		g.update(k, m, gone)
	}
}

// update records what check learned of k, unless k sent a new request
// meanwhile.
func (g *guard) update(k memberKey, seen member, gone bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	m, ok := g.members[k]
	if !ok || !m.at.Equal(seen.at) {
		return
	}
	if gone {
		delete(g.members, k)
		return
	}
	m.answered = seen.answered
}

// stillWaiting reports whether m's latest request still waits for the rest
// of the group, and heartbeats for m if so. A waiting JoinGroup is answered
// when the rebalance completes, which bumps the generation; a waiting
// SyncGroup when the leader's assignment arrives, which makes the group
// Stable, or when a new rebalance begins.
func (g *guard) stillWaiting(ctx context.Context, client *kgo.Client, k memberKey, m *member, state string) bool {
	switch {
	case m.req == kmsg.JoinGroup && state == "PreparingRebalance":
		if m.gen < 0 {
			return true // a new member: kfake runs no timer for it yet
		}
		return heartbeat(ctx, client, k, m) == kerr.RebalanceInProgress.Code
	case m.req == kmsg.SyncGroup && state == "CompletingRebalance":
		return heartbeat(ctx, client, k, m) == 0
	}
	return false
}

// heartbeat restarts kfake's session timer of m, as m's own heartbeat would
// if its client were not waiting for an answer; it returns the error code.
func heartbeat(ctx context.Context, client *kgo.Client, k memberKey, m *member) int16 {
	req := kmsg.NewPtrHeartbeatRequest()
	req.Group, req.MemberID, req.Generation, req.InstanceID = k.group, k.id, m.gen, m.instanceID
	resp, err := req.RequestWith(ctx, client)
	if err != nil {
		return -1
	}
	return resp.ErrorCode
}

// leave removes m from its group, as Kafka's session timer would have; it
// reports whether m is gone.
func (g *guard) leave(ctx context.Context, client *kgo.Client, k memberKey, m *member) bool {
	req := kmsg.NewPtrLeaveGroupRequest()
	req.Group, req.MemberID = k.group, k.id
	lm := kmsg.NewLeaveGroupRequestMember()
	lm.MemberID, lm.InstanceID = k.id, m.instanceID
	lm.Reason = kmsg.StringPtr("no SyncGroup within the session timeout after its JoinGroup was answered")
	req.Members = append(req.Members, lm)
	resp, err := req.RequestWith(ctx, client)
	if err != nil {
		return false
	}
	if len(resp.Members) == 1 && resp.Members[0].ErrorCode != 0 {
		return true // kfake had removed it already
	}
	g.log.Warn("kfake guard: removed a member that went silent after its JoinGroup was answered",
		"group", k.group, "member", k.id, "session", m.session)
	return true
}
